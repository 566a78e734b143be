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
