"""五公开 stage (决策/执行/管理/服务/结果) of a catalog item, inferred from its name.

The national template has no stage column (catalog-reference §2); only some Zhejiang catalogs carry
one. 仑政办〔2020〕32号 requires every 二级事项 to be assigned a stage, so the auditor infers one from
the item's wording and records that it did (`stage_inferred`). Rules are ordered: the first match on
level2 wins, then level1 is tried; a policy-document item counts as 决策 as in the 东阳 catalog.
The result is a default for reports, not a finding: edit `stage` in the catalog to override it.
"""

from __future__ import annotations

import re

STAGES = ("决策", "执行", "管理", "服务", "结果")

_RULES: list[tuple[str, str]] = [
    ("决策", r"决策|草案|意见征集|征求意见|重要会议|听证|规划编制|国土空间.*规划|总体规划|详细规划|村庄规划|乡规划"),
    ("结果", r"名单|结果|决算|预算|三公|处罚决定|强制决定|审批信息|审核信息|审核审批|批准文件|公告|公示|"
            r"分配|统计|损失情况|执行情况|名录|名册|受助|发放|明细|评价|通报|验收|水质|财务|基本信息|执业信息|"
            r"使用情况|表彰|决定|调查处理"),
    ("管理", r"许可|处罚|强制|监督|检查|监管|执法|登记|备案|审批|核准|征收|违法|注销|迁移|评定|认定|"
            r"识别|退出|督导|鉴定|核发|出让|招标|投标|采购|交易|变更|注册|评估|审查|报批|补偿|选定|联合惩戒|审核|核实|预审|"
            r"意见书|擅自|损坏|砍伐|占道|焚烧|未取得|未按|招聘|职称|轮岗|学籍"),
    ("服务", r"健康管理|健康档案|指南|服务|咨询|查询|申请|补贴|援助|介绍|招生|救助|指导|培训|资助|办理|渠道|电话|待遇|"
            r"查阅|信息发布|政策措施清单|申领|换领|补领|身份证|居住证|转移接续|缴费|投诉|举报|提示|警示|见习|"
            r"补助|扶助|培育|扶持|支持|地力保护|公证"),
    ("决策", r"法律|法规|规章|政策|文件|解读|标准|规划|制度"),
    ("执行", r"任务|实施|进展|动态|计划|执行|部署|进度|建设|资金|来源|预警|处置|整改|事故信息|申报|备灾|储备|"
            r"避难|减灾|捐赠"),
]


def infer_stage(level1: str, level2: str, level3: str | None = None) -> str | None:
    """Best-guess stage for an item, or None when nothing in its name says which."""
    for text in (level3 or "", level2, level1):
        if not text:
            continue
        for stage, pattern in _RULES:
            if re.search(pattern, text):
                return stage
    return None
