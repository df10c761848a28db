"""SAI311 and SAI312: model files without an integrity record, and records that do not match."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sailint.collectors.integrity import RECOMPUTABLE, DigestClaim, IntegrityRecords
from sailint.collectors.modelfiles import ModelFiles
from sailint.context import RuleContext
from sailint.model import Finding

# Test fixtures are not released artifacts: nobody verifies them, so no record is expected.
TEST_DIRS = re.compile(r"(^|/)(tests?|testing|fixtures?)/")
SIGNATURE_NOTE = "payload digests recomputed offline; the signature itself was not verified offline"
SOURCES = {"manifest": "hash manifest", "signature": "model-signing bundle", "sbom": "SBOM"}


def model_without_integrity(ctx: RuleContext) -> Iterator[Finding]:
    """SAI311: a model artifact (file or LFS pointer) that no integrity record covers."""
    records = ctx.project.get(IntegrityRecords)
    covered: dict[str, DigestClaim] = {}
    for claim in records.claims:
        covered.setdefault(claim.target, claim)
    for artifact in ctx.project.get(ModelFiles).artifacts:
        record = covered.get(artifact.path)
        if record is not None:
            note = f" ({SIGNATURE_NOTE})" if record.source == "signature" else ""
            ctx.evidence(
                record.record,
                record.line,
                f"{SOURCES[record.source]} records the digest of {artifact.path}{note}",
            )
            continue
        if TEST_DIRS.search(artifact.path):
            continue
        if records.sbom_digests:
            digest = records.digest(artifact.path)
            if digest in records.sbom_digests:
                sbom, line = records.sbom_digests[digest]
                ctx.evidence(sbom, line, f"SBOM lists the SHA-256 of {artifact.path}")
                continue
        what = "Git LFS pointer to a model" if artifact.lfs else "model artifact"
        yield ctx.finding(
            artifact.path,
            1,
            f"{what} is not covered by an integrity record: no hash manifest (`sailint hash`, "
            "SHA256SUMS, *.sha256), model-signing bundle (model.sig) or SBOM digest lists it.",
            key="no-integrity-record",
        )


def model_integrity_mismatch(ctx: RuleContext) -> Iterator[Finding]:
    """SAI312: a record's digest differs from the file, or the file it lists is gone."""
    records = ctx.project.get(IntegrityRecords)
    for claim in records.claims:
        note = f" ({SIGNATURE_NOTE})" if claim.source == "signature" else ""
        source = SOURCES[claim.source]
        if not ctx.project.exists(claim.target):
            yield ctx.finding(
                claim.record,
                claim.line,
                f"{source} lists {claim.target}, which is not in the repository{note}.",
                key=f"gone:{claim.target}",
            )
            continue
        if claim.algorithm not in RECOMPUTABLE:
            ctx.project.notify(
                "note",
                f"{claim.algorithm} digest of {claim.target} cannot be recomputed offline",
                claim.record,
                claim.line,
            )
            continue
        actual = records.digest(claim.target, claim.algorithm, claim.byte_range)
        if actual is None or actual == claim.digest:
            if actual is not None:
                ctx.evidence(claim.record, claim.line, f"{source} digest of {claim.target} matches")
            continue
        lfs = (
            " (the oid of its Git LFS pointer)"
            if ctx.project.get(ModelFiles).get_artifact(claim.target)
            and _is_pointer(ctx, claim.target)
            else ""
        )
        yield ctx.finding(
            claim.record,
            claim.line,
            f"{source} records {claim.algorithm} {claim.digest[:16]}… for {claim.target}, but the "
            f"file's digest{lfs} is {actual[:16]}…: the file changed or was tampered with{note}.",
            key=f"mismatch:{claim.target}:{claim.digest}",
        )


def _is_pointer(ctx: RuleContext, path: str) -> bool:
    artifact = ctx.project.get(ModelFiles).get_artifact(path)
    return artifact is not None and artifact.lfs is not None
