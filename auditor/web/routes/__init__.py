"""The workspace's routes, one blueprint per area; `create_app` registers them all.

auth       /login, /logout, /account/password
workspace  /, /units/<unit_id>, /queue, /findings/<id>, /findings/<id>/state, /log, /log/<id>/undo
evidence   /units/<unit_id>/not-applicable, /units/<unit_id>/relink-url, /units/<unit_id>/evidence, /evidence/<id>
review     /matches, /matches/<id>, /matches/<id>/decide, /matches/<id>/refetch, /rescore
exports    /units/<unit_id>/export.csv, /units/<unit_id>/scorecard
admin      /admin/users, /admin/users/<id>/deactivate

Endpoints are named `<blueprint>.<function>` (e.g. `url_for("workspace.unit_page", unit_id=…)`).
"""

from auditor.web.routes import admin, auth, evidence, exports, review, workspace

BLUEPRINTS = (auth.bp, workspace.bp, evidence.bp, review.bp, exports.bp, admin.bp)
