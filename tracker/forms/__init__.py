"""Forms: the shape of what people type. Rules about what may be saved live in services."""

from .plans import MultipleFileField, MultipleFileInput, PlanFilterForm, TaskUpdateForm

__all__ = ["MultipleFileField", "MultipleFileInput", "PlanFilterForm", "TaskUpdateForm"]
