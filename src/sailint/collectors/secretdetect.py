"""Secret detectors loaded from ``rules/secrets/detectors.yml`` and the line scanner that runs them."""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from sailint import ruleindex

DETECTORS_FILE = Path(ruleindex.DETECTORS_FILE)  # below the rules directory
#: Files where a value must be quoted to be a literal: unquoted text there is code.
CODE_SUFFIXES = (".py", ".ipynb", ".js", ".ts", ".java", ".go", ".rs", ".rb", ".scala", ".kt")
#: Inline markers of other scanners that teams keep when they migrate to sailint.
LINE_MARKERS = (
    ("gitleaks:allow", re.compile(r"gitleaks:allow")),
    ("pragma: allowlist secret", re.compile(r"pragma:\s?(?:allow|white)list[ -]secret")),
)
NEXTLINE_MARKER = re.compile(r"pragma:\s?(?:allow|white)list[ -]nextline[ -]secret")


class DetectorError(Exception):
    """The detector data file is invalid; the message names the detector and field."""


@dataclass(frozen=True)
class Detector:
    """One kind of secret: how to find it and what is not it.

    Its regexes are compiled when first used: a scan compiles those of the detectors that some
    line's keyword wakes, not all of them (compiling the shipped ones takes about 25 ms, a tenth
    of a pre-commit run that finds none). ``DetectorSet`` compiles all of them up front for any
    file but the shipped one, whose regexes the test suite compiles.
    """

    id: str
    provider: str
    pattern_text: str
    keywords: tuple[str, ...]
    secret_group: int | None = None
    name_group: int | None = None
    quote_group: int | None = None
    entropy: float | None = None
    multiline: bool = False
    generic: bool = False
    context_text: str | None = None
    allow_value_texts: tuple[str, ...] = ()
    allow_name_texts: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    positives: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """What a secret looks like."""
        return re.compile(self.pattern_text)

    @cached_property
    def context(self) -> re.Pattern[str] | None:
        """What the file must also hold for a match to count, if anything."""
        return re.compile(self.context_text) if self.context_text else None

    @cached_property
    def allow_values(self) -> tuple[re.Pattern[str], ...]:
        """Values that are not secrets."""
        return tuple(re.compile(text) for text in self.allow_value_texts)

    @cached_property
    def allow_names(self) -> tuple[re.Pattern[str], ...]:
        """Names (of the ``name_group``) whose values are not secrets."""
        return tuple(re.compile(text) for text in self.allow_name_texts)

    def compile_all(self) -> None:
        """Compile every regex now; DetectorError names the field of one that is invalid."""
        for where, regexes in (
            ("pattern", lambda: self.pattern),
            ("context", lambda: self.context),
            ("allowlist.values", lambda: self.allow_values),
            ("allowlist.names", lambda: self.allow_names),
        ):
            try:
                regexes()
            except re.error as error:
                raise DetectorError(f"{self.id}.{where}: invalid regex: {error}") from None


@dataclass(frozen=True)
class SecretMatch:
    """A secret found on a line; ``secret`` must never be printed (use ``redacted``)."""

    detector: Detector
    secret: str
    line: int
    column: int
    marker: str | None = None  # an inline allow marker of another scanner on the line

    @property
    def digest(self) -> str:
        """SHA-256 of the secret: its identity in fingerprints and baselines."""
        return hashlib.sha256(self.secret.encode()).hexdigest()

    @property
    def redacted(self) -> str:
        """Provider-free redaction: first characters, length and a short fingerprint."""
        return redact(self.secret)


def redact(secret: str) -> str:
    """``abcd… (40 chars, fp 1a2b3c4d5e6f)``: at most four characters, a quarter of short ones."""
    shown = secret[: min(4, len(secret) // 4)]
    digest = hashlib.sha256(secret.encode()).hexdigest()[:12]
    return f"{shown}… ({len(secret)} chars, fp {digest})"


def shannon_entropy(value: str) -> float:
    """Bits per character, as gitleaks computes it."""
    if not value:
        return 0.0
    counts = Counter(value)
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def _compile(value: Any, where: str) -> re.Pattern[str]:
    try:
        return re.compile(_regex_text(value, where))
    except re.error as error:
        raise DetectorError(f"{where}: invalid regex: {error}") from None


def _regex_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise DetectorError(f"{where}: expected a regex string")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DetectorError(f"{where}: expected a list of strings")
    return tuple(value)


def _detector(raw: Any, index: int, compiled: bool) -> Detector:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise DetectorError(f"detectors[{index}]: needs an id")
    name = raw["id"]
    known = {
        "id", "provider", "pattern", "keywords", "secret-group", "name-group", "quote-group",
        "entropy", "multiline", "generic", "context", "allowlist", "tests",
    }  # fmt: skip
    unknown = set(raw) - known
    if unknown:
        raise DetectorError(f"{name}: unknown field {sorted(unknown)[0]!r}")
    keywords = _strings(raw.get("keywords"), f"{name}.keywords")
    if not keywords or any(k != k.lower() for k in keywords):
        raise DetectorError(f"{name}.keywords: at least one, all lowercase")
    allow = raw.get("allowlist") or {}
    tests = raw.get("tests") or {}
    positives = _strings(tests.get("positive"), f"{name}.tests.positive")
    negatives = _strings(tests.get("negative"), f"{name}.tests.negative")
    if not positives or not negatives:
        raise DetectorError(f"{name}.tests: needs positive and negative vectors")
    context = raw.get("context")
    detector = Detector(
        id=name,
        provider=str(raw.get("provider") or name),
        pattern_text=_regex_text(raw.get("pattern"), f"{name}.pattern"),
        keywords=keywords,
        secret_group=raw.get("secret-group"),
        name_group=raw.get("name-group"),
        quote_group=raw.get("quote-group"),
        entropy=float(raw["entropy"]) if raw.get("entropy") is not None else None,
        multiline=bool(raw.get("multiline", False)),
        generic=bool(raw.get("generic", False)),
        context_text=_regex_text(context, f"{name}.context") if context else None,
        allow_value_texts=_strings(allow.get("values"), f"{name}.allowlist.values"),
        allow_name_texts=_strings(allow.get("names"), f"{name}.allowlist.names"),
        stopwords=tuple(s.lower() for s in _strings(allow.get("stopwords"), name)),
        positives=positives,
        negatives=negatives,
    )
    if compiled:
        detector.compile_all()
    return detector


#: One line of text to scan: its text, 1-based line number and 1-based column of its start.
TextLine = tuple[str, int, int]


class DetectorSet:
    """All detectors plus the global allowlists; scans lines of one file at a time."""

    def __init__(self, data: dict[str, Any], compiled: bool = True) -> None:
        """Build from the parsed detector file; raises DetectorError when it is invalid.

        Unless ``compiled``, the regexes of the detectors and allowlists are compiled when
        first used (see ``Detector``), and only the other fields are checked now.
        """
        raw = data.get("detectors")
        if not isinstance(raw, list) or not raw:
            raise DetectorError("detectors: expected a non-empty list")
        self.detectors = [_detector(item, index, compiled) for index, item in enumerate(raw)]
        ids = [d.id for d in self.detectors]
        if len(ids) != len(set(ids)):
            raise DetectorError("detectors: duplicate id")
        allow = data.get("allowlist") or {}
        self._allow_value_texts = _strings(allow.get("values"), "allowlist")
        self.stopwords = tuple(s.lower() for s in _strings(allow.get("stopwords"), "allowlist"))
        self._generic_paths_text = _regex_text(
            allow.get("generic-paths", "$^"), "allowlist.generic-paths"
        )
        self._generic_value_texts = _strings(
            allow.get("generic-values"), "allowlist.generic-values"
        )
        if compiled:
            _ = self.allow_values, self.generic_paths, self.generic_values
        self._any_keyword = re.compile(
            keyword_pattern({k for d in self.detectors for k in d.keywords})
        )
        # keyword -> the line detectors it wakes (by position in ``detectors``)
        self._woken_by: dict[str, list[int]] = {}
        for position, detector in enumerate(self.detectors):
            if not detector.multiline:
                for keyword in detector.keywords:
                    self._woken_by.setdefault(keyword, []).append(position)

    @cached_property
    def allow_values(self) -> tuple[re.Pattern[str], ...]:
        """Values that are no secret for any detector."""
        return tuple(_compile(v, "allowlist.values") for v in self._allow_value_texts)

    @cached_property
    def generic_paths(self) -> re.Pattern[str]:
        """Paths where the generic detectors do not look."""
        return _compile(self._generic_paths_text, "allowlist.generic-paths")

    @cached_property
    def generic_values(self) -> tuple[re.Pattern[str], ...]:
        """Values that are no secret for the generic detectors."""
        return tuple(_compile(v, "allowlist.generic-values") for v in self._generic_value_texts)

    def by_id(self, detector_id: str) -> Detector:
        """The detector called ``detector_id``."""
        for detector in self.detectors:
            if detector.id == detector_id:
                return detector
        raise KeyError(detector_id)

    def scan_text(self, text: str, path: str = "") -> list[SecretMatch]:
        """Scan a whole file's text (lines numbered from 1)."""
        return self.scan_lines([(t, n, 1) for n, t in enumerate(text.splitlines(), 1)], path)

    def scan_lines(
        self,
        lines: Sequence[TextLine],
        path: str = "",
        surrounding: Callable[[], str] | None = None,
    ) -> list[SecretMatch]:
        """Every secret in ``lines`` (one file or notebook), first detector wins on overlap.

        ``surrounding`` returns the whole file when ``lines`` are only part of it (the added
        lines of a commit): a detector's context is looked up there when the lines lack it.
        """
        whole: list[str] = []

        def has_context(detector: Detector) -> bool:
            assert detector.context is not None
            if detector.context.search(joined):
                return True
            if surrounding is None:
                return False
            if not whole:
                whole.append(surrounding())
            return bool(detector.context.search(whole[0]))

        joined = "\n".join(t for t, _, _ in lines)
        low = joined.lower()
        # One keyword pass over the whole text, then only the lines that hold a keyword. After a
        # hit the search resumes at the next line: ML code says "key" and "token" a lot.
        search = self._any_keyword.search
        hit = search(low)
        if hit is None:
            return []
        starts = _line_starts(lines)
        hit_lines: list[int] = []
        while hit is not None:
            index = bisect.bisect_right(starts, hit.start()) - 1
            hit_lines.append(index)
            if index + 1 >= len(starts):
                break
            hit = search(low, starts[index + 1])
        # Which lines each line detector must look at: those holding one of its keywords (found
        # once per line for every keyword, rather than per detector).
        lines_for: dict[int, list[int]] = {}
        for index in hit_lines:
            lowered = lines[index][0].lower()
            woken: set[int] = set()
            for keyword, positions in self._woken_by.items():
                if keyword in lowered:
                    woken.update(positions)
            for position in woken:
                lines_for.setdefault(position, []).append(index)
        code = path.lower().endswith(CODE_SUFFIXES)
        generic_ok = not self.generic_paths.search(path)
        found: list[SecretMatch] = []
        taken: dict[int, list[tuple[int, int]]] = {}
        for position, detector in enumerate(self.detectors):
            if detector.generic and not generic_ok:
                continue
            if detector.multiline:
                if any(k in low for k in detector.keywords):
                    found += self._scan_joined(
                        detector, lines, (joined, starts), code, taken, has_context
                    )
                continue
            context_ok: bool | None = None
            for index in lines_for.get(position, ()):
                text, number, column = lines[index]
                for match in detector.pattern.finditer(text):
                    secret, start = self._accept(detector, match, code)
                    if secret is None or _overlaps(taken, index, start, len(secret)):
                        continue
                    if detector.context is not None:
                        # Only a candidate secret pays for the context lookup.
                        context_ok = has_context(detector) if context_ok is None else context_ok
                        if not context_ok:
                            continue
                    taken.setdefault(index, []).append((start, start + len(secret)))
                    marker = _marker(lines, index)
                    found.append(SecretMatch(detector, secret, number, column + start, marker))
        found.sort(key=lambda m: (m.line, m.column))
        return found

    def _scan_joined(
        self,
        detector: Detector,
        lines: Sequence[TextLine],
        text: tuple[str, list[int]],
        code: bool,
        taken: dict[int, list[tuple[int, int]]],
        has_context: Callable[[Detector], bool],
    ) -> Iterable[SecretMatch]:
        joined, starts = text
        for match in detector.pattern.finditer(joined):
            secret, _ = self._accept(detector, match, code)
            if secret is None or (detector.context is not None and not has_context(detector)):
                continue
            index = bisect.bisect_right(starts, match.start()) - 1
            local = match.start() - starts[index]  # report where the block begins
            if _overlaps(taken, index, local, len(secret)):
                continue
            end_index = bisect.bisect_right(starts, match.end() - 1) - 1
            for covered in range(index, end_index + 1):
                # A multi-line secret owns its lines: a generic rule must not report parts.
                taken.setdefault(covered, []).append((0, 1 << 30))
            _, number, column = lines[index]
            yield SecretMatch(detector, secret, number, column + local, _marker(lines, index))

    def _accept(
        self, detector: Detector, match: re.Match[str], code: bool
    ) -> tuple[str | None, int]:
        """The secret of ``match`` and its offset, or None when an allowlist drops it."""
        group = detector.secret_group
        if group is None:
            group = next((i for i, g in enumerate(match.groups(), 1) if g is not None), 0)
        raw = match.group(group) or ""
        secret = raw.strip()
        start = match.start(group) + (len(raw) - len(raw.lstrip()))
        if not secret:
            return None, start
        if detector.quote_group is not None and code and not match.group(detector.quote_group):
            return None, start
        if detector.name_group is not None:
            name = match.group(detector.name_group) or ""
            if any(p.search(name) for p in detector.allow_names):
                return None, start
        if detector.entropy is not None and shannon_entropy(secret) <= detector.entropy:
            return None, start
        lowered = secret.lower()
        if any(w in lowered for w in self.stopwords + detector.stopwords):
            return None, start
        values = self.allow_values + detector.allow_values
        if detector.generic:
            values += self.generic_values
            if not (re.search(r"[0-9]", secret) and re.search(r"[A-Za-z]", secret)):
                return None, start
        if any(p.search(secret) for p in values):
            return None, start
        return secret, start


def keyword_pattern(keywords: Iterable[str]) -> str:
    """A regex that finds the leftmost occurrence of any of ``keywords``, as a trie.

    ``a|b|c...`` makes Python's ``re`` try every keyword at every position of every file (about
    1 s over a 3,000-file repository); nested by common prefixes, it tries one branch per first
    character (tests/test_secret_detectors.py compares the two).
    """
    trie: dict[str, Any] = {}
    for keyword in keywords:
        node = trie
        for char in keyword:
            node = node.setdefault(char, {})
        node[""] = {}  # a keyword ends here

    def branch(node: dict[str, Any]) -> str:
        alternatives = [re.escape(char) + branch(node[char]) for char in sorted(node) if char]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
        return f"(?:{body})?" if "" in node else body

    return branch(trie) if trie else "(?!)"


def _line_starts(lines: Sequence[TextLine]) -> list[int]:
    """Offsets of each line in the lines joined with newlines."""
    starts: list[int] = []
    offset = 0
    for text, _, _ in lines:
        starts.append(offset)
        offset += len(text) + 1
    return starts


def _overlaps(taken: dict[int, list[tuple[int, int]]], index: int, start: int, size: int) -> bool:
    return any(start < end and begin < start + size for begin, end in taken.get(index, []))


def _marker(lines: Sequence[TextLine], index: int) -> str | None:
    """The inline allow marker of another scanner that covers line ``index``, if any."""
    text = lines[index][0]
    for label, pattern in LINE_MARKERS:
        if pattern.search(text):
            return label
    if index > 0 and NEXTLINE_MARKER.search(lines[index - 1][0]):
        return "pragma: allowlist nextline secret"
    return None


def detectors_path() -> Path:
    """Where the detector data lives (next to the rules, shipped in the wheel)."""
    from sailint.registry import rules_dir

    return rules_dir() / DETECTORS_FILE


@lru_cache(maxsize=4)
def _load(path: str) -> DetectorSet:
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise DetectorError(f"{path}: cannot load: {error}") from None
    found, data = False, None
    if Path(path) == detectors_path():
        from sailint.registry import rules_dir

        # the shipped file as the generated rules index holds it (same bytes): no PyYAML
        found, data = ruleindex.indexed_data(rules_dir(), ruleindex.DETECTORS_FILE, raw)
    if not found:
        from sailint.registry import RuleLoadError, parse_yaml_bytes

        try:
            data = parse_yaml_bytes(path, raw)
        except (UnicodeDecodeError, RuleLoadError) as error:
            raise DetectorError(f"{path}: cannot load: {error}") from None
    if not isinstance(data, dict):
        raise DetectorError(f"{path}: expected a mapping")
    # The shipped file's regexes are compiled by the test suite (tests/test_secret_detectors.py)
    return DetectorSet(data, compiled=not found)


def load_detectors(path: Path | None = None) -> DetectorSet:
    """The detector set of ``path`` (default: the shipped file), cached per process."""
    return _load(str(path or detectors_path()))
