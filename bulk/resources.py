"""django-import-export resources built from the same column definitions as the upload pages:
one definition of the columns and their validation, not two."""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.results import RowResult

from bulk.columns import CellError, escape_formula
from core.audit import audit_record
from core.models import AuditAction


class _CellWidget(widgets.Widget):
    def __init__(self, column):
        super().__init__()
        self.column = column

    def clean(self, value, row=None, **kwargs):
        try:
            return self.column.parse(value)
        except CellError as exc:
            raise ValueError(f"{self.column.header}: {exc}") from exc

    def render(self, value, obj=None, **kwargs):
        return value


def resource_for(spec):
    """A ModelResource whose columns, parsing and row rules are the catalogue's own."""
    to_row = spec.extra.get("to_row")
    ctx_holder = {}

    class Resource(resources.ModelResource):
        class Meta:
            model = spec.model
            import_id_fields = list(spec.key)
            skip_unchanged = True
            report_skipped = True
            use_transactions = True
            fields = ()

        def get_import_fields(self):
            return self._catalogue_fields

        def get_export_fields(self, selected_fields=None):
            return self._catalogue_fields

        def get_export_headers(self, selected_fields=None):
            return [c.header for c in spec.columns]

        def export_resource(self, instance, selected_fields=None, **kwargs):

            return [escape_formula(v) for v in to_row(instance)]

        def _check_import_id_fields(self, headers):
            # Rows are matched on the catalogue's natural key inside import_row.
            return None

        def before_import(self, dataset, **kwargs):
            ctx_holder["ctx"] = spec.context()
            dataset.headers = [str(h).strip().lower() if h else h for h in dataset.headers]
            # Columns the file leaves out (omissible ones): existing rows keep those fields.
            ctx_holder["kept"] = {name for c in spec.columns if c.header not in dataset.headers
                                  for name in (c.writes or (c.field,))}

        def after_import(self, dataset, result, **kwargs):
            """The admin's imports are kept in the audit trail too: who, which catalogue, counts."""
            if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
                return

            totals = result.totals
            audit_record(actor=kwargs.get("user"), action=AuditAction.IMPORT, obj=None, object_repr=str(spec.title),
                         summary=f"{spec.name} (admin): {totals.get('new', 0)} nuevas, {totals.get('update', 0)} "
                                 f"modificadas, {totals.get('skip', 0)} sin cambios"
                                 + (f" ({kwargs['file_name']})" if kwargs.get("file_name") else ""))

        def import_row(self, row, instance_loader, **kwargs):
            data = {}
            try:
                for column in spec.columns:
                    data[column.field] = column.parse(row.get(column.header))
                errors = spec.check(data, ctx_holder["ctx"])
                if errors:
                    raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
                values = spec.finalize(data, ctx_holder["ctx"])
                if isinstance(values, tuple):  # the values in write_fields' order
                    values = dict(zip(spec.write_fields, values, strict=True))
            except (CellError, ValueError) as exc:
                result = RowResult()
                result.import_type = RowResult.IMPORT_TYPE_INVALID

                result.validation_error = ValidationError(str(exc))
                return result
            lookup = {k: values[k] for k in spec.key}
            instance = spec.model.objects.filter(**lookup).first()
            result = RowResult()
            if instance is None:
                instance, result.import_type = spec.model(**values), RowResult.IMPORT_TYPE_NEW
            elif all(getattr(instance, f) == values[f] for f in spec.write_fields if f not in ctx_holder["kept"]):
                result.import_type = RowResult.IMPORT_TYPE_SKIP
                return result
            else:
                for f, v in values.items():
                    if f not in ctx_holder["kept"]:
                        setattr(instance, f, v)
                result.import_type = RowResult.IMPORT_TYPE_UPDATE
            if not kwargs.get("dry_run"):
                instance.save()
            result.object_id = instance.pk
            return result

    Resource._catalogue_fields = [fields.Field(attribute=c.field, column_name=c.header, widget=_CellWidget(c))
                                  for c in spec.columns]
    return Resource
