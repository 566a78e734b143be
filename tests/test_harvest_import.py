"""`auditor import-items`: items of channels that cannot be crawled, from a CSV."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from auditor.cli import main
from auditor.errors import AuditorError
from auditor.harvest.importer import import_items
from auditor.store.db import open_db
from auditor.store.models import Channel, Item, ItemListing, Unit

CSV = """title,url,publish_date,channel
关于2026年第一批临时救助对象的公示,https://mp.weixin.qq.com/s/AbC123?from=timeline,2026-03-02,微信公众号
最低生活保障标准调整的通知,https://mp.weixin.qq.com/s/XyZ789,2026年3月5日,微信公众号
社会救助政策问答,,,微信公众号
"""


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "imp.db"
    factory = open_db(str(path))
    with factory() as s:
        s.add(Unit(id="mzj", district="t", name="云溪区民政局", kind="department", level="区级", domains_lead=[],
                   domains_share=[], contact={}))
        s.commit()
    return path, factory


def test_import_creates_channel_items_and_listings_idempotently(db, tmp_path):
    path, factory = db
    csv_file = tmp_path / "wx.csv"
    csv_file.write_text(CSV, encoding="utf-8-sig")
    with factory() as s:
        res = import_items(s, csv_file, "mzj", "云溪民政 微信公众号")
    assert (res.channel_code, res.created_channel, res.items_new) == ("NEWMEDIA", True, 3)
    with factory() as s:
        again = import_items(s, csv_file, "mzj", "云溪民政 微信公众号")
    assert (again.created_channel, again.items_new, again.items_updated) == (False, 0, 3)
    with factory() as s:
        assert s.scalar(select(func.count(Item.id))) == 3 and s.scalar(select(func.count(ItemListing.id))) == 3
        ch = s.scalar(select(Channel))
        assert (ch.unit_id, ch.code, ch.name, ch.active) == ("mzj", "NEWMEDIA", "云溪民政 微信公众号", True)
        first = s.scalar(select(Item).where(Item.list_title.like("关于2026年第一批%")))
        assert first.canonical_url == "https://mp.weixin.qq.com/s/AbC123"  # tracking parameter dropped
        assert (first.publish_date, first.publish_date_source, first.publish_date_raw) == (
            date(2026, 3, 2), "import", "2026-03-02")
        second = s.scalar(select(Item).where(Item.list_title.like("最低生活保障%")))
        assert second.publish_date == date(2026, 3, 5)
        undated = s.scalar(select(Item).where(Item.list_title == "社会救助政策问答"))
        assert undated.publish_date is None and undated.canonical_url.startswith("import://mzj/")
        assert {lst.channel_id for lst in s.scalars(select(ItemListing))} == {ch.id}


def test_offline_channel_code_from_vocabulary(db, tmp_path):
    path, factory = db
    csv_file = tmp_path / "board.csv"
    csv_file.write_text("title,publish_date\n2026年3月低保对象公示,2026-03-10\n", encoding="gb18030")
    with factory() as s:
        res = import_items(s, csv_file, "mzj", "社区公示栏")
    assert res.channel_code == "BOARD" and res.items_new == 1


@pytest.mark.parametrize("text, unit, channel, message", [
    (CSV, "nobody", "微信公众号", "unknown unit 'nobody'"),
    ("title,publish_date\n公示,2026-13-45\n", "mzj", "微信公众号", ":2: unreadable publish_date"),
    ("title,publish_date\n,2026-03-01\n", "mzj", "微信公众号", ":2: empty title"),
    ("name,date\n公示,2026-03-01\n", "mzj", "微信公众号", ":1: missing column(s) title"),
    ("title,channel\n公示,微信公众号\n告示,公示栏\n", "mzj", "微信公众号", "rows name different channels"),
    ("title\n公示\n", "mzj", "飞鸽传书", "unknown channel '飞鸽传书'"),
])
def test_import_errors_name_the_place_and_the_fix(db, tmp_path, text, unit, channel, message):
    path, factory = db
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(text, encoding="utf-8")
    with factory() as s, pytest.raises(AuditorError) as err:
        import_items(s, csv_file, unit, channel)
    assert message in str(err.value) and err.value.hint


def test_import_items_cli(db, tmp_path, capsys):
    path, factory = db
    csv_file = tmp_path / "wx.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    assert main(["import-items", str(csv_file), "--unit", "mzj", "--channel", "云溪民政 微信公众号",
                 "--db", str(path)]) == 0
    assert "3 new" in capsys.readouterr().out
    assert main(["import-items", str(tmp_path / "none.csv"), "--unit", "mzj", "--channel", "x",
                 "--db", str(path)]) == 1
    assert "file not found" in capsys.readouterr().err


# ---------------------------------------------------------------------------- hostile files and other units' items
@pytest.mark.parametrize("text, message", [
    ("title,url\n公示,javascript:alert(1)\n", ":2: not an http(s) URL: 'javascript:alert(1)'"),
    ("title,url\n公示,JavaScript:alert(document.cookie)\n", ":2: not an http(s) URL"),
    ("title,url\n公示,file:///etc/passwd\n", ":2: not an http(s) URL"),
    ("title,url\n公示,\"data:text/html;base64,PHNjcmlwdD4=\"\n", ":2: not an http(s) URL"),
    ("title,url\n公示,ftp://example.gov.cn/a\n", ":2: not an http(s) URL"),
    ("title,url\n公示,http://\n", ":2: not an http(s) URL"),
    ("title,url\n公示,https://example.gov.cn/a\n告示,//example.gov.cn/b\n", ":3: not an http(s) URL"),
    ("title,url,publish_date\n公示,https://example.gov.cn/a,2026-03-01,多余\n", ":2: row has 4 field(s), the header has 3"),
    ("title,url,publish_date\n公示,https://example.gov.cn/a,2026-03-01\n告示\n", ":3: row has 1 field(s), the header has 3"),
])
def test_import_refuses_hostile_rows_with_file_and_line(db, tmp_path, text, message):
    path, factory = db
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(text, encoding="utf-8")
    with factory() as s, pytest.raises(AuditorError) as err:
        import_items(s, csv_file, "mzj", "微信公众号")
    assert message in str(err.value) and str(csv_file) in str(err.value) and err.value.hint
    with factory() as s:
        assert s.scalar(select(func.count(Item.id))) == 0 and s.scalar(select(func.count(Channel.id))) == 0


@pytest.mark.parametrize("data, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file, not a CSV"),
    (b"title\n\xff\xfe\xfd\x80\x81\n", "not a text file"),
])
def test_import_refuses_binary_files(db, tmp_path, data, message):
    path, factory = db
    csv_file = tmp_path / "photo.csv"
    csv_file.write_bytes(data)
    with factory() as s, pytest.raises(AuditorError) as err:
        import_items(s, csv_file, "mzj", "微信公众号")
    assert message in str(err.value)


def test_import_for_one_unit_never_touches_another_units_item(db, tmp_path):
    """jyj's crawled item: an import for mzj naming its URL is refused and the item stays as crawled."""
    path, factory = db
    with factory() as s:
        s.add(Unit(id="jyj", district="t", name="云溪区教育局", kind="department", level="区级", domains_lead=[],
                   domains_share=[], contact={}))
        s.flush()
        col = Channel(unit_id="jyj", code="WEBSITE", name="通知公告", url="https://jyj.example.gov.cn/tzgg/",
                      column_path="通知公告", column_kind="catalog")
        item = Item(canonical_url="https://jyj.example.gov.cn/tzgg/1.html", title="教育局原标题",
                    list_title="教育局原标题", publish_date=date(2026, 10, 8), body_excerpt="", provenance={})
        s.add_all([col, item])
        s.flush()
        s.add(ItemListing(item_id=item.id, channel_id=col.id))
        s.commit()
        item_id = item.id
    csv_file = tmp_path / "mzj.csv"
    csv_file.write_text("title,url,publish_date\n本局自己的公示,https://mp.weixin.qq.com/s/own,2026-03-01\n"
                        "改写的标题,https://jyj.example.gov.cn/tzgg/1.html,2026-03-02\n", encoding="utf-8")
    with factory() as s, pytest.raises(AuditorError) as err:
        import_items(s, csv_file, "mzj", "微信公众号")
    assert f"{csv_file}:3" in str(err.value) and "云溪区教育局" in str(err.value) and "(jyj)" in str(err.value)
    with factory() as s:
        item = s.get(Item, item_id)
        assert (item.title, item.list_title, item.publish_date) == ("教育局原标题", "教育局原标题", date(2026, 10, 8))
        assert [lst.channel_id for lst in s.scalars(select(ItemListing))] == [col.id]
        assert s.scalar(select(func.count(Item.id))) == 1  # the whole file was refused, own row included
    assert main(["import-items", str(csv_file), "--unit", "mzj", "--channel", "微信公众号", "--db", str(path)]) == 1
