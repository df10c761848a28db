"""GitHub's ``primaryLocationLineHash``: a rolling hash over the 100 characters from each line on.

This re-implements the algorithm that github/codeql-action computes when a SARIF result has no
fingerprint, so the values sailint writes are the ones GitHub would compute itself.
"""

from __future__ import annotations

BLOCK_SIZE = 100
BASE = 37
MASK = (1 << 64) - 1
FIRST_MOD = pow(BASE, BLOCK_SIZE, 1 << 64)
EOF_CODE = 65535


def line_hashes(text: str) -> list[str]:
    """One ``hex:count`` hash per line of ``text`` (1-based line N is element N-1)."""
    window = [0] * BLOCK_SIZE
    line_numbers = [-1] * BLOCK_SIZE
    hashes: dict[int, str] = {}
    counts: dict[str, int] = {}
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "prev_cr": False}

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        hashes[line_numbers[state["index"]]] = f"{value}:{counts[value]}"
        line_numbers[state["index"]] = -1

    def update(code: int) -> None:
        index = state["index"]
        begin = window[index]
        window[index] = code
        state["hash"] = (BASE * state["hash"] + code - FIRST_MOD * begin) & MASK
        state["index"] = (index + 1) % BLOCK_SIZE

    def process(code: int) -> None:
        if code in (0x20, 0x09) or (state["prev_cr"] and code == 0x0A):
            state["prev_cr"] = False
            return
        if code == 0x0D:
            code = 0x0A
            state["prev_cr"] = True
        else:
            state["prev_cr"] = False
        if line_numbers[state["index"]] != -1:
            output()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        if code == 0x0A:
            state["line_start"] = True
        update(code)

    encoded = text.encode("utf-16-le")
    for offset in range(0, len(encoded), 2):
        process(encoded[offset] | (encoded[offset + 1] << 8))
    process(EOF_CODE)
    for _ in range(BLOCK_SIZE):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    return [hashes[number] for number in sorted(hashes)]
