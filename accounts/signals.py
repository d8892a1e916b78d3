"""Signals of the accounts app, for the apps above that keep what a role decides (api.keycache).

``role_grants_changed`` (sender: Role, ``role``): a role's grants were replaced in bulk
(role_set_permissions writes them with bulk_create, which sends no post_save)."""

from django.dispatch import Signal

role_grants_changed = Signal()
