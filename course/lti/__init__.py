"""LTI 1.3 tool (LTI Advantage): academies place Dignity in their learning platform (Moodle, Canvas, …)."""
