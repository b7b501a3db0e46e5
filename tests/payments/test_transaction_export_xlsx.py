"""The transaction list's Excel export and the CSV's added Memo column: what a finance team
opens in a spreadsheet (read here from the workbook's XML; no spreadsheet library needed)."""

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from payments.enums import TransactionType
from tests.factories import StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = pytest.mark.django_db
XLSX = reverse("payments:transaction_export_xlsx")
CSV = reverse("payments:transaction_export")
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
EXCEL_EPOCH = datetime(1899, 12, 30)


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group()
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def read_xlsx(content: bytes) -> tuple[list[dict], dict[int, str]]:
    """Rows as {header: (value, number format)} and the workbook's number formats by style."""
    book = zipfile.ZipFile(io.BytesIO(content))
    styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    codes = {
        int(f.get("numFmtId")): f.get("formatCode") for f in styles.iterfind(".//x:numFmt", NS)
    }
    xfs = styles.find("x:cellXfs", NS)
    style_format = {i: codes.get(int(xf.get("numFmtId")), "General") for i, xf in enumerate(xfs)}
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    table = []
    for row in sheet.iterfind(".//x:sheetData/x:row", NS):
        cells = {}
        for cell in row.iterfind("x:c", NS):
            text = (
                cell.find("x:is/x:t", NS) if cell.get("t") == "inlineStr" else cell.find("x:v", NS)
            )
            value = text.text if text is not None else ""
            cells[_column(cell.get("r"))] = (value, style_format[int(cell.get("s", 0))])
        table.append(cells)
    header = [table[0][i][0] for i in sorted(table[0])]
    return [{header[i]: cell for i, cell in row.items()} for row in table[1:]], style_format


def test_xlsx_has_numbers_with_the_currency_decimals_dates_and_the_finance_columns(client):
    client.force_login(staff_user("view_orders", "export_data"))
    pa = authorized_payment(amount=6100)
    refund_at = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
    capture = make_txn(parent=pa, type=TransactionType.CAPTURE, amount=2550)
    refund = make_txn(
        parent=capture, type=TransactionType.REFUND, amount=1005, merchant_reference="RF-7",
        memo="Customer called, =1+1", created_at=refund_at,
    )  # fmt: skip
    yen = authorized_payment(amount=500, store=StoreFactory(code="jp", currency="JPY"))

    response = client.get(XLSX)

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert re.match(r'attachment; filename="transactions-\d{8}-\d{6}\.xlsx"', disposition)
    rows, _ = read_xlsx(b"".join(response.streaming_content))
    by_uuid = {row["UUID"][0]: row for row in rows}
    assert set(by_uuid) == {str(t.uuid) for t in (pa, capture, refund, yen)}
    row = by_uuid[str(refund.uuid)]
    assert row["Amount"] == ("10.05", "#,##0.00")
    assert row["Currency"][0] == "USD"
    assert row["Transaction ID"][0] == "RF-7"
    assert row["Memo"][0] == "Customer called, =1+1"  # a string, never a formula
    assert row["Type"][0] == "Refund" and row["Cash flow"][0] == "out"
    value, fmt = row["Created at (UTC)"]
    assert fmt == "yyyy-mm-dd hh:mm:ss"
    assert (
        abs(float(value) - (datetime(2026, 11, 10, 23, 30) - EXCEL_EPOCH).total_seconds() / 86400)
        < 1e-6
    )
    assert by_uuid[str(yen.uuid)]["Amount"] == ("500", "#,##0")
    assert by_uuid[str(yen.uuid)]["Currency"][0] == "JPY"


def test_xlsx_follows_the_list_filters_and_the_export_permission(client):
    client.force_login(staff_user("view_orders"))
    assert client.get(XLSX).status_code == 403
    client.force_login(staff_user("view_orders", "export_data", username="fin"))
    pa = authorized_payment()
    capture = make_txn(parent=pa, type=TransactionType.CAPTURE, amount=100)
    rows, _ = read_xlsx(b"".join(client.get(XLSX, {"type": "CP"}).streaming_content))
    assert [row["UUID"][0] for row in rows] == [str(capture.uuid)]


def test_csv_ends_with_the_memo(client):
    client.force_login(staff_user("view_orders", "export_data"))
    pa = authorized_payment()
    make_txn(parent=pa, type="CP", amount=100, memo="Line one\nline two", merchant_reference="C-1")
    text = b"".join(client.get(CSV, {"type": "CP"}).streaming_content).decode()
    header = next(csv.reader(io.StringIO(text)))
    assert header[-1] == "Memo" and "Transaction ID" in header and "Reason code" in header
    (row,) = csv.DictReader(io.StringIO(text))
    assert (row["Memo"], row["Transaction ID"]) == ("Line one\nline two", "C-1")


def test_an_export_above_the_limit_is_refused_with_a_page_to_narrow_it(client, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    client.force_login(staff_user("view_orders", "export_data"))
    pa = authorized_payment()
    make_txn(parent=pa, type="CP", amount=100)
    make_txn(parent=pa, type="CP", amount=200)

    for url in (CSV, XLSX):
        response = client.get(url, {"status": "success"})
        assert response.status_code == 413
        page = response.content.decode()
        assert "This export is too large to download at once" in page
        assert "More than 2 transactions match your search" in page
        assert "?status=success" in page

    assert client.get(CSV, {"type": "CP"}).status_code == 200  # two rows: at the limit
