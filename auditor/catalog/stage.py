"""The 五公开 stages (决策/执行/管理/服务/结果) a catalog item or a unit catalog row can be assigned.

The national template has no stage column (catalog-reference §2); only some Zhejiang catalogs carry
one. 仑政办〔2020〕32号 requires every 二级事项 to be assigned a stage, so when the catalog rows were
transcribed a stage was inferred from each item's wording, and the row says so (`stage_inferred: true`).
The stage is a default for reports, not a finding: edit `stage` in the catalog to override it. (The
wording rules, `infer_stage`, served only that transcription; they are in the git history before this change.)
"""

from __future__ import annotations

STAGES = ("决策", "执行", "管理", "服务", "结果")
