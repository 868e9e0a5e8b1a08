"""The clinic's flags as the window lists them: counted once, and searched by severity, rule
and text without going through every flag's words again (a clinic group has tens of
thousands of flags). Plain Python, safe to build on a worker thread."""

from __future__ import annotations

from collections.abc import Sequence

from exodesk.models.enums import Severity
from exodesk.models.vocabulary import rule_title
from exodesk.services.compliance.rules import Flag, Rechecked, open_counts


def search_text(flag: Flag) -> str:
    """What a search of the flags looks in: product, lot, treatment, rule and message."""
    return " ".join(
        (
            flag.product,
            flag.lot or "",
            flag.treatment or "",
            flag.rule,
            rule_title(flag.rule),
            flag.message,
        )
    ).lower()


class FlagList:
    """`flags` in the rule engine's order, with their open counts; `matching` selects."""

    def __init__(self, flags: Sequence[Flag], counts: dict[Severity, int] | None = None) -> None:
        self.flags: list[Flag] = list(flags)
        self.open_counts: dict[Severity, int] = (
            open_counts(self.flags) if counts is None else counts
        )
        self._texts: list[str] | None = None

    @classmethod
    def after(cls, previous: FlagList, change: Rechecked) -> FlagList:
        """The flags after a write, from those before (`previous`, what the recheck started
        from): counted from the flags that went and came, not all of them again."""
        if change.gone is None or change.new is None:
            return cls(change.flags)
        counts = dict(previous.open_counts)
        for severity, n in open_counts(change.gone).items():
            counts[severity] -= n
        for severity, n in open_counts(change.new).items():
            counts[severity] += n
        return cls(change.flags, counts)

    def __len__(self) -> int:
        return len(self.flags)

    def prepare(self) -> FlagList:
        """Work out every flag's search text now (else at the first search, on the thread
        that searches: one thread at a time)."""
        if self._texts is None:
            self._texts = [search_text(f) for f in self.flags]
        return self

    def matching(
        self, severity: Severity | None = None, rule: str | None = None, text: str = ""
    ) -> list[Flag]:
        """The flags of this severity and rule (None: any) whose words contain `text`
        (case ignored), in the rule engine's order."""
        needle = text.strip().lower()
        if needle:
            texts = self.prepare()._texts
            assert texts is not None
            chosen = [f for f, words in zip(self.flags, texts, strict=True) if needle in words]
        else:
            chosen = self.flags
        return [
            f
            for f in chosen
            if (severity is None or f.severity is severity) and (rule is None or f.rule == rule)
        ]
