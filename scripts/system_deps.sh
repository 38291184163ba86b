#!/usr/bin/env bash
# The browser test drives Debian's chromium; the catalogue check runs GNU gettext's xgettext.
# The ledger export test reads the journal with hledger. Install them when missing (as root on Debian), otherwise say what is missing.
set -uo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v xgettext >/dev/null || missing+=(gettext)
command -v hledger >/dev/null || missing+=(hledger)
if [ ${#missing[@]} -eq 0 ]; then
  echo "chromium, gettext and hledger are installed"
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing ${missing[*]} from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "warning: missing ${missing[*]}; install them (sudo apt-get install ${missing[*]})" >&2
fi
