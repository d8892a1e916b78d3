"""The document pages, by concern: the list (listing), the editor (editor), issuing and approvals
(issuing), the issued document and its actions (detail), its files and emails (downloads), the
client's public page (public) and the ZIP archive (archive). Rules they apply live in the domain
modules (dte.actions, dte.pricing, dte.delivery_plan, dte.services)."""
