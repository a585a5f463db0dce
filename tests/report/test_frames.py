"""The report's DataFrames agree with results.json."""

from __future__ import annotations

from minihcvd.report.frames import baseline_frame, cox_frame, response_frame, survival_frame
from minihcvd.stats.analysis import AnalysisResults


class TestFrames:
    def test_survival_frame_has_every_curve(self, results: AnalysisResults) -> None:
        """OS, RFS, each factor level and each landmark group is one row."""
        document = results.to_json_dict()
        frame = survival_frame(document)
        levels = sum(len(c["groups"]) for c in document["os_by"].values())
        landmark_groups = sum(len(lm["groups"]) for lm in document["landmarks"].values())
        assert len(frame) == 2 + levels + landmark_groups
        cohort = frame[frame["analysis"] == "OS by cohort"]
        assert list(cohort["group"]) == ["original", "amended"]
        assert set(cohort["logrank_p"]) == {document["os_by"]["cohort"]["logrank_p"]}

    def test_cox_frame_terms(self, results: AnalysisResults) -> None:
        """One row per univariate term, in results order, with HR and p."""
        document = results.to_json_dict()
        frame = cox_frame(document, "univariate")
        assert list(frame["term"]) == list(document["cox"]["univariate"])
        first = next(iter(document["cox"]["univariate"].values()))
        assert frame.iloc[0]["hr"] == first["hr"]

    def test_nested_rows_are_flattened(self, results: AnalysisResults) -> None:
        """Table rows' nested counts become dotted columns."""
        document = results.to_json_dict()
        assert "by_group.original.count" in baseline_frame(document).columns
        assert "by_salvage.Salvage 1.count" in response_frame(document).columns
