"""SAI301-SAI305: malicious and unknown pickle imports, pickle formats, Keras code, unscannable files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from sailint.collectors.modelfiles import ModelArtifact, ModelFiles
from sailint.collectors.pickle_policy import DANGEROUS, UNKNOWN
from sailint.context import RuleContext
from sailint.model import Finding, Level

if TYPE_CHECKING:
    from sailint.collectors.pickles import Import

PICKLE_EXTENSIONS = (".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".dill")
NAMED_AT_MOST = 8


def _where(member: str) -> str:
    return f"member {member}" if member else "the pickle"


def _names(imports: Iterable[Import], with_reason: bool) -> str:
    seen: dict[str, str] = {}
    for item in imports:
        seen.setdefault(item.qualified, item.reason)
    shown = [f"{name} ({why})" if with_reason else name for name, why in seen.items()]
    extra = len(shown) - NAMED_AT_MOST
    text = ", ".join(shown[:NAMED_AT_MOST])
    return text + (f" and {extra} more" if extra > 0 else "")


def _artifacts(ctx: RuleContext) -> list[ModelArtifact]:
    return ctx.project.get(ModelFiles).artifacts


def malicious_pickle(ctx: RuleContext) -> Iterator[Finding]:
    """SAI301: a pickle stream imports a known-dangerous (or unresolvable) callable."""
    for artifact in _artifacts(ctx):
        for stream in artifact.analysis.streams:
            bad = [i for i in stream.scan.imports if i.verdict == DANGEROUS]
            if not bad:
                continue
            names = _names(bad, with_reason=True)
            yield ctx.finding(
                artifact.path,
                1,
                f"{_where(stream.member)} imports dangerous callables: {names}. Loading this "
                "file runs code (found by an opcode walk; nothing was loaded).",
                key=f"{stream.member}:{_names(bad, with_reason=False)}",
                properties={"member": stream.member, "callables": [i.qualified for i in bad]},
            )


def _allowed(item: Import, allowed: list[str]) -> bool:
    for pattern in allowed:
        if pattern.endswith(".*") and item.qualified.startswith(pattern[:-1]):
            return True
        if item.qualified == pattern:
            return True
    return False


def unsafe_pickle_import(ctx: RuleContext) -> Iterator[Finding]:
    """SAI302: a pickle imports globals outside the safe allowlist that are not known-dangerous."""
    allowed = [str(p) for p in ctx.option("allowed-globals") or []]
    for artifact in _artifacts(ctx):
        for stream in artifact.analysis.streams:
            unknown = [
                i for i in stream.scan.imports if i.verdict == UNKNOWN and not _allowed(i, allowed)
            ]
            if not unknown:
                continue
            names = _names(unknown, with_reason=False)
            yield ctx.finding(
                artifact.path,
                1,
                f"{_where(stream.member)} imports globals outside the safe allowlist: {names}. "
                "Unpickling calls them; review them and allow them in rule-options if trusted.",
                key=f"{stream.member}:{names}",
                properties={"member": stream.member, "globals": [i.qualified for i in unknown]},
            )


def pickle_model_format(ctx: RuleContext) -> Iterator[Finding]:
    """SAI303: model weights stored in a pickle-based format."""
    for artifact in _artifacts(ctx):
        if artifact.lfs is not None:
            if artifact.path.lower().endswith(PICKLE_EXTENSIONS):
                yield ctx.finding(
                    artifact.path,
                    1,
                    "a Git LFS pointer to a pickle-based model file (by its extension; the "
                    "content is not checked out): store the weights as safetensors, ONNX or GGUF.",
                    key="pickle-format",
                )
            continue
        if not artifact.analysis.pickle_based:
            continue
        only_data = all(
            i.verdict != UNKNOWN and i.verdict != DANGEROUS
            for s in artifact.analysis.streams
            for i in s.scan.imports
        )
        advice = (
            "it holds only tensors and arrays, so safetensors stores it without code"
            if only_data
            else "prefer safetensors for tensors, ONNX or skops for other models"
        )
        yield ctx.finding(
            artifact.path,
            1,
            f"model stored in a pickle-based format ({artifact.kind}); loading a pickle can run "
            f"code: {advice}.",
            key="pickle-format",
        )


def keras_lambda_layer(ctx: RuleContext) -> Iterator[Finding]:
    """SAI304: Keras Lambda layers or layer modules outside ``keras.*``."""
    for artifact in _artifacts(ctx):
        issues = artifact.analysis.keras
        if issues:
            yield ctx.finding(
                artifact.path,
                1,
                "Keras model runs code on load: " + "; ".join(dict.fromkeys(issues)) + ".",
                key="keras:" + "|".join(sorted(set(issues))),
            )


def unscannable_model(ctx: RuleContext) -> Iterator[Finding]:
    """SAI305: a model artifact could not be fully analysed (LFS pointers at note level)."""
    view = ctx.project.get(ModelFiles)
    for artifact in view.artifacts + view.unscannable:
        if artifact.lfs is not None:
            size = f" ({artifact.lfs.size} bytes)" if artifact.lfs.size is not None else ""
            yield ctx.finding(
                artifact.path,
                1,
                f"Git LFS pointer: the model content{size} is not checked out, so it was not "
                "scanned. Run `git lfs pull` before sailint in CI.",
                level=Level.NOTE,
                key="lfs-pointer",
            )
            continue
        reasons = list(artifact.analysis.problems)
        for stream in artifact.analysis.streams:
            where = _where(stream.member)
            if stream.scan.error:
                reasons.append(
                    f"{where} could not be fully parsed ({stream.scan.error}); "
                    "imports before the break are reported under SAI301/SAI302"
                )
            reasons.extend(f"{where}: {note}" for note in stream.scan.anomalies)
        if artifact.analysis.kind == "unknown" and not reasons:
            reasons.append("format not recognised from content")
        if reasons:
            yield ctx.finding(
                artifact.path,
                1,
                "model file not fully analysed: " + "; ".join(dict.fromkeys(reasons)) + ".",
                key="unscannable",
            )
