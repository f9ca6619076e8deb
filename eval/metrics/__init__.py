"""Pure, offline eval metrics: each returns the aggregate and the per-case scores."""

from eval.metrics.citations import Claim, citation_validity, marker_numbers, split_claims
from eval.metrics.coverage import not_covered_rate
from eval.metrics.facts import fact_coverage, forbidden_violations
from eval.metrics.generation import GenerationResult, check_info, generation_stats
from eval.metrics.latency import latency_stats, percentile
from eval.metrics.readability import reading_grades
from eval.metrics.retrieval import retrieval_scores, score_ranking
from eval.metrics.safety import disclaimer_rate, kind_confusion
from eval.metrics.support import Evidence, citation_support, lexical_support, numbers_consistent

__all__ = [
    "Claim", "Evidence", "GenerationResult", "check_info", "citation_support", "citation_validity",
    "disclaimer_rate", "fact_coverage", "forbidden_violations", "generation_stats",
    "kind_confusion", "latency_stats", "lexical_support",
    "marker_numbers", "not_covered_rate", "numbers_consistent", "percentile", "reading_grades",
    "retrieval_scores",
    "score_ranking", "split_claims",
]
