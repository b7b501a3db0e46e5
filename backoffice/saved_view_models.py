"""`SavedView` (a leaf module: `backoffice.models` imports it to register it)."""

from django.conf import settings
from django.db import models


class Grid(models.TextChoices):
    ORDERS = "orders", "Orders"
    TRANSACTIONS = "transactions", "Transactions"


class SavedView(models.Model):
    """A grid's filters, sort and page size (`params`, as `QueryDict.lists()` gives them) and
    its visible columns, under a name its owner chose. Results are always scoped to the
    stores of whoever opens it: a shared view shares a question, never its answers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    grid = models.CharField(max_length=20, choices=Grid.choices)
    name = models.CharField(max_length=80)
    params = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    is_default = models.BooleanField(
        "Open by default", default=False, help_text="Opened when the grid is opened bare."
    )
    shared_with_everyone = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "grid", "name"], name="saved_view_unique_name_per_grid"
            ),
            models.UniqueConstraint(
                fields=["user", "grid"],
                condition=models.Q(is_default=True),
                name="saved_view_one_default_per_grid",
            ),
        ]
        indexes = [models.Index(fields=["grid", "shared_with_everyone"], name="saved_view_shared")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_grid_display()})"
