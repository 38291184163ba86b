"""Build `src/peerarmy/web/static/web/vendor/tabler-icons/sprite.svg`: one SVG sprite (a
<symbol> per icon) of the Tabler Icons that the templates name with `{% icon "name" %}`, with
the set's LICENSE and a README saying which version it came from. Only the icons in use ship,
not the set's five thousand. Run it after naming a new icon in a template; the sprite is
committed, so nobody else needs the source.

Source (the npm package, nothing is installed):
  cd /tmp && npm pack @tabler/icons        # tabler-icons-3.54.0.tgz
    .venv/bin/python scripts/build_icons.py /tmp/tabler-icons-3.54.0.tgz
(an unpacked package folder works too)."""

import json
import sys
import tarfile
import xml.etree.ElementTree as ET  # noqa: S405 - the input is the icon set's own files
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from peerarmy.web.templatetags.icons import SPRITE_FILE, icons_used  # noqa: E402

SVG = "http://www.w3.org/2000/svg"
# How every outline icon of the set is drawn; set once on each <symbol>, so that the icons keep
# their look wherever the stylesheet does not say otherwise.
STROKE = {
    "fill": "none",
    "stroke": "currentColor",
    "stroke-width": "2",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
}


class Package:
    """The npm package's files, from its .tgz or an unpacked folder (`package/...`)."""

    def __init__(self, source: Path):
        self.source = source
        self.tar = tarfile.open(source) if source.is_file() else None

    def read(self, name: str) -> bytes | None:
        if self.tar is None:
            folder = self.source / "package" if (self.source / "package").is_dir() else self.source
            path = folder / name
            return path.read_bytes() if path.is_file() else None
        try:
            member = self.tar.extractfile(f"package/{name}")
        except KeyError:
            return None
        return member.read() if member else None


def symbol(name: str, svg: bytes) -> ET.Element:
    source = ET.fromstring(svg)  # noqa: S314 - the icon set's own file
    element = ET.Element(f"{{{SVG}}}symbol", {"id": name, "viewBox": source.get("viewBox")})
    element.attrib.update(STROKE)
    for child in source:
        if child.get("stroke") == "none":  # the set's invisible 24×24 bounding box
            continue
        child.attrib.pop("class", None)
        element.append(child)
    return element


def build(source: Path) -> list[str]:
    package = Package(source)
    manifest = package.read("package.json")
    if manifest is None:
        raise SystemExit(f"{source} is not the @tabler/icons package (no package.json)")
    version = json.loads(manifest)["version"]
    used = icons_used()
    missing = [name for name in used if package.read(f"icons/outline/{name}.svg") is None]
    if missing:
        where = "; ".join(f"{name} in {', '.join(used[name])}" for name in missing)
        raise SystemExit(f"Tabler Icons {version} has no outline icon named: {where}")

    ET.register_namespace("", SVG)
    sprite = ET.Element(f"{{{SVG}}}svg")
    for name in sorted(used):
        sprite.append(symbol(name, package.read(f"icons/outline/{name}.svg")))
    ET.indent(sprite, space="")
    folder = SPRITE_FILE.parent
    folder.mkdir(parents=True, exist_ok=True)
    text = ET.tostring(sprite, encoding="unicode")
    SPRITE_FILE.write_text(
        f"<!-- Tabler Icons {version} (MIT, see LICENSE): the {len(used)} icons the templates use."
        f" Built by scripts/build_icons.py; do not edit. -->\n{text}\n",
        encoding="utf-8",
    )
    (folder / "LICENSE").write_bytes(package.read("LICENSE"))
    (folder / "README.md").write_text(
        f"# Tabler Icons {version}\n\n"
        f"https://tabler.io/icons, MIT licence (LICENSE). `sprite.svg` holds only the outline\n"
        f'icons the templates name with `{{% icon "name" %}}` ({len(used)} of them), built by\n'
        f"`scripts/build_icons.py` from the npm package `@tabler/icons@{version}`.\n",
        encoding="utf-8",
    )
    return sorted(used)


def main(argv):
    if len(argv) != 1:
        raise SystemExit(__doc__)
    names = build(Path(argv[0]))
    print(f"{SPRITE_FILE.relative_to(ROOT)}: {len(names)} icons")


if __name__ == "__main__":
    main(sys.argv[1:])
