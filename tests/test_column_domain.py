"""Column names and breadcrumbs → catalog domain (and 一级事项): real column names from county portals.

Sources of the names (recorded in catalogs/column_synonyms.yaml too):
  ZHECHENG  http://www.zhecheng.gov.cn/xxgk/xxgkml/ — the 重点领域信息公开 column tree, read in place from
            ../shared/fixtures/realpages/list/henan_zhecheng_xxgk_xxgkml_index.html
  NBJB      http://www.nbjb.gov.cn/col/col1229214366/index.html (breadcrumb 部门政务公开 > 区住建局 > … > 住房保障)
  NANXIAN   http://www.nanxian.gov.cn/jc_nx/187/195/content_16189.html (当前位置: 首页 > 公开领域 > 城乡规划)
  NANAN     http://www.nanan.gov.cn/zwgk/zfxxgkzdgz/shjzhshfl/cxdbytkjz/ (column 城乡低保与特困救助)
  MIANZHU   https://www.mz.gov.cn/info/iList.jsp?node_id=GKmzs&cat_id=15971 (法定主动内容) and cat_id=24186 (公示公告),
            the column list of 绵竹市's 政府信息公开 as an RSSHub route records it
  HABITS    ../shared/domain/real-portal-habits.md (重点领域信息公开 > …, 基层政务公开标准化规范化专栏 > domain > 一级事项)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalog.column_domain import load_synonyms, propose_domain, split_breadcrumb
from auditor.catalog.loader import load_catalog
from auditor.units.domain_hints import column_domain_warnings

FIXTURES = Path(__file__).parent / "fixtures" / "registry"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.mark.parametrize("name, domain, level1, source", [
    ("食品药品安全", "食品药品监管", None, "ZHECHENG"),
    ("扶贫信息", "扶贫", None, "ZHECHENG"),
    ("财政资金", "财政预决算", None, "ZHECHENG"),
    ("政府采购", "公共资源交易", "政府采购信息", "ZHECHENG"),
    ("财政审计", None, None, "ZHECHENG"),
    ("保障性住房", "保障性住房", None, "ZHECHENG"),
    ("房屋征收", "国有土地上房屋征收与补偿", None, "ZHECHENG"),
    ("土地供应", None, None, "ZHECHENG"),
    ("建设项目", "重大建设项目", None, "ZHECHENG"),
    ("医疗卫生", "卫生健康", None, "ZHECHENG"),
    ("教育服务", "义务教育", None, "ZHECHENG"),
    ("社会保险", "社会保险", None, "ZHECHENG"),
    ("就业创业", "就业", None, "ZHECHENG"),
    ("社会组织", None, None, "ZHECHENG"),
    ("社会救助", "社会救助", None, "ZHECHENG"),
    ("环境保护", "生态环境", None, "ZHECHENG"),
    ("安全生产", "安全生产", None, "ZHECHENG"),
    ("科技管理", None, None, "ZHECHENG"),
    ("价格收费", None, None, "ZHECHENG"),
    ("政府信息公开 > 信息公开部门目录 > 部门政务公开 > 区住建局 > 法定主动公开内容 > 住房保障", "保障性住房", None,
     "NBJB"),
    ("首页 > 公开领域 > 城乡规划", "城乡规划", None, "NANXIAN"),
    ("城乡低保与特困救助", "社会救助", None, "NANAN"),
    ("基层政务公开标准化规范化专栏 > 社会救助 > 低保", "社会救助", "最低生活保障", "HABITS"),
    ("重点领域信息公开 > 扶贫信息 > 扶贫项目", "扶贫", "扶贫项目", "HABITS"),
    ("重点领域信息公开 > 保障房", "保障性住房", None, "HABITS"),
    ("政府信息公开目录 > 政府文件", None, None, "HABITS"),
    ("政府信息公开目录 > 公示公告", None, None, "HABITS"),
    ("政策解读", None, None, "HABITS"),
    ("法定主动内容", None, None, "MIANZHU"),
    ("公示公告", None, None, "MIANZHU"),
    ("社会救助社会福利 > 城乡低保与特困救助", "社会救助", None, "NANAN"),
    ("通知公告", None, None, "HABITS"),
    ("工作动态", None, None, "HABITS"),
    ("领导信息", None, None, "HABITS"),
    ("机构职能", None, None, "HABITS"),
])
def test_real_column_names(catalog, name, domain, level1, source):
    got = propose_domain(name, catalog)
    if domain is None:
        assert got is None, (source, got)
    else:
        assert got is not None, source
        assert (got.domain, got.level1) == (domain, level1), (source, got)
        assert got.evidence and 0 < got.confidence <= 1


@pytest.mark.parametrize("name, domain, level1", [
    # one per domain, as real portals write them (synonyms), and 一级事项 that only one domain has
    ("部门预算", "财政预决算", "部门预算"), ("特困供养", "社会救助", "特困人员救助供养"),
    ("临时救助", "社会救助", "临时救助"), ("生态环境", "生态环境", None), ("义务教育", "义务教育", None),
    ("征地信息", "农村集体土地征收", None), ("土地征收", "农村集体土地征收", None), ("重大建设项目", "重大建设项目", None),
    ("公共文化", "公共文化服务", None), ("户籍", "户籍管理", None), ("城市综合执法", "城市综合执法", None),
    ("涉农补贴", "涉农补贴", None), ("养老", "养老服务", None), ("救灾", "救灾", None), ("卫生健康", "卫生健康", None),
    ("税收", "税收管理", None), ("公共法律服务", "公共法律服务", None), ("市政服务", "市政服务", None),
    ("社保", "社会保险", None), ("养老保险", "社会保险", None), ("农村危房改造", "农村危房改造", None),
    ("危房改造信息", "农村危房改造", None), ("扶贫信息公开", "扶贫", None), ("法律援助", "公共法律服务", None),
    ("政府采购信息", "公共资源交易", "政府采购信息"), ("出生登记", "户籍管理", "出生登记"),
])
def test_synonyms_and_level1_names(catalog, name, domain, level1):
    got = propose_domain(name, catalog)
    assert got is not None and (got.domain, got.level1) == (domain, level1), got


def test_the_deepest_segment_decides_and_agreement_raises_confidence(catalog):
    alone = propose_domain("低保", catalog)
    nested = propose_domain(["基层政务公开标准化规范化专栏", "社会救助", "低保"], catalog)
    assert alone.domain == nested.domain == "社会救助"
    assert nested.confidence > alone.confidence
    assert propose_domain("社会救助 > 养老服务", catalog).domain == "养老服务"


def test_unit_names_and_generic_segments_are_skipped(catalog):
    # 区教育局 names a unit, not the domain 义务教育; 法定主动公开内容 is generic
    assert propose_domain("区教育局", catalog) is None
    got = propose_domain("部门 > 区教育局 > 法定主动公开内容 > 招生入学", catalog)
    assert got.domain == "义务教育" and got.segment == "招生入学"


def test_contained_names_are_less_certain_than_exact_ones(catalog):
    exact = propose_domain("社会救助", catalog)
    contained = propose_domain("社会救助工作专题", catalog)
    assert contained.domain == "社会救助" and contained.confidence < exact.confidence


@pytest.mark.parametrize("text, segments", [
    ("A > B > C", ["A", "B", "C"]), ("首页/政府信息公开/社会救助", ["首页", "政府信息公开", "社会救助"]),
    (["首页", " 社会救助 "], ["首页", "社会救助"]), ("首页＞社会救助", ["首页", "社会救助"]),
])
def test_split_breadcrumb(text, segments):
    assert split_breadcrumb(text) == segments


def test_synonym_file_names_only_catalog_domains(catalog):
    synonyms = load_synonyms()
    assert set(synonyms.domains) <= set(catalog.domains())
    assert "政府文件" in synonyms.generic


def test_bad_synonym_file_is_one_clear_error(tmp_path, catalog):
    from auditor.catalog.column_domain import ColumnDomainIndex
    from auditor.errors import CatalogError

    bad = tmp_path / "syn.yaml"
    bad.write_text("generic: []\ndomains:\n  社会救济: [低保]\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown domain"):
        ColumnDomainIndex(catalog, load_synonyms(bad))
    bad.write_text("generic: []\ncolour: red\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="colour"):
        load_synonyms(bad)


def test_validation_warns_when_declared_domain_contradicts_the_name(tmp_path, catalog):
    text = (FIXTURES / "valid.yaml").read_text(encoding="utf-8")
    path = tmp_path / "reg.yaml"
    path.write_text(text, encoding="utf-8")
    assert column_domain_warnings(path, catalog) == []
    path.write_text(text.replace("name: 社会救助", "name: 扶贫信息", 1), encoding="utf-8")
    warnings = column_domain_warnings(path, catalog)
    assert len(warnings) == 1 and "warning" in warnings[0] and "扶贫" in warnings[0]
    assert warnings[0].startswith(f"{path}:") and ".domain" in warnings[0]


def test_units_validate_prints_the_warning_and_still_passes(tmp_path, capsys):
    from auditor.cli import main

    text = (FIXTURES / "valid.yaml").read_text(encoding="utf-8")
    path = tmp_path / "reg.yaml"
    path.write_text(text.replace("name: 社会救助", "name: 扶贫信息", 1), encoding="utf-8")
    assert main(["units", "validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "扶贫信息" in err
