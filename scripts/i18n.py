"""Translation catalogues: `compile` writes the .mo files (pure Python, via polib);
`check` fails when a catalogue has untranslated or fuzzy entries, or when the code holds a
string that the catalogue lacks; `update` refreshes the .po files from the code (needs GNU
gettext, as Django's makemessages does); `todo` lists the Italian entries still to translate
as JSON; `apply FILE.json...` writes Italian translations from JSON files of
{"msgid": "msgstr"} (a plural as ["singular", "plural"]; a context as "context\u0004msgid")
and clears their fuzzy mark."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "peerarmy"
LANGUAGES = ["it", "en"]


def catalogues(base=PACKAGE):
    return sorted((base / "locale").glob("*/LC_MESSAGES/django.po"))


def compile_all():
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        print(f"compiled {mo_path.relative_to(ROOT)}")


def makemessages(cwd):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peerarmy.settings", "PEERARMY_TESTING": "1"}
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--no-obsolete",
            "--no-location",
            "--no-wrap",
            "--ignore",
            "tests/*",
            *[f"-l{code}" for code in LANGUAGES],
        ],
        cwd=cwd,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def update():
    makemessages(PACKAGE)
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        if po_path.parts[-3] == "en":
            # English is the source language: every msgstr is its msgid.
            for entry in po:
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                else:
                    entry.msgstr = entry.msgid
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            po.save()
        print(
            f"{po_path.relative_to(ROOT)}: {len(po.untranslated_entries())} untranslated, "
            f"{len(po.fuzzy_entries())} fuzzy"
        )


def check():
    problems = []
    if shutil.which("xgettext") is None:
        print(
            "xgettext (GNU gettext) is missing: cannot check that the catalogue covers the "
            "code. Install Debian's gettext.",
            file=sys.stderr,
        )
        return 1
    for lang in LANGUAGES:
        if not (PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.po").exists():
            problems.append(f"{lang}: the catalogue is missing")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "peerarmy"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        makemessages(copy)
        for fresh_path in catalogues(copy):
            lang = fresh_path.parts[-3]
            committed_path = PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.po"
            if not committed_path.exists():
                continue
            committed = polib.pofile(str(committed_path))
            known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
            missing = [
                e for e in polib.pofile(str(fresh_path)) if (e.msgctxt, e.msgid) not in known
            ]
            for entry in missing[:20]:
                problems.append(f"{lang}: not in the catalogue: {entry.msgid!r}")
            if len(missing) > 20:
                problems.append(f"{lang}: ... and {len(missing) - 20} more")
            untranslated = [e for e in committed.untranslated_entries() if not e.obsolete]
            fuzzy = [e for e in committed.fuzzy_entries() if not e.obsolete]
            for entry in untranslated[:20]:
                problems.append(f"{lang}: untranslated: {entry.msgid!r}")
            for entry in fuzzy[:20]:
                problems.append(f"{lang}: fuzzy: {entry.msgid!r}")
            print(
                f"{lang}: {len(committed.translated_entries())} translated, "
                f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy, "
                f"{len(missing)} missing from the catalogue"
            )
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            "Run `.venv/bin/python scripts/i18n.py update`, translate, and commit.", file=sys.stderr
        )
        return 1
    return 0


def _italian():
    return PACKAGE / "locale" / "it" / "LC_MESSAGES" / "django.po"


def _key(entry):
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def todo():
    import json

    po = polib.pofile(str(_italian()))
    pending = {}
    for entry in po.untranslated_entries() + po.fuzzy_entries():
        if entry.obsolete:
            continue
        pending[_key(entry)] = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else ""
    print(json.dumps(pending, ensure_ascii=False, indent=1))


def apply(paths):
    import json

    po = polib.pofile(str(_italian()))
    by_key = {_key(e): e for e in po if not e.obsolete}
    applied, unknown = 0, []
    for path in paths:
        for key, value in json.loads(Path(path).read_text(encoding="utf-8")).items():
            entry = by_key.get(key)
            if entry is None:
                unknown.append(key)
                continue
            if entry.msgid_plural:
                singular, plural = value if isinstance(value, list) else (value, value)
                entry.msgstr_plural = {0: singular, 1: plural}
            else:
                entry.msgstr = value if isinstance(value, str) else value[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            applied += 1
    po.save()
    print(f"applied {applied} translations; {len(unknown)} not in the catalogue")
    for key in unknown[:20]:
        print(f"  not in the catalogue: {key!r}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "compile":
        compile_all()
    elif command == "update":
        update()
    elif command == "check":
        sys.exit(check())
    elif command == "todo":
        todo()
    elif command == "apply":
        apply(sys.argv[2:])
    else:
        sys.exit(f"unknown command {command!r}: use compile, check, update, todo or apply")
