from django.urls import path

from orders.mass.actions import MASS_ACTIONS
from orders.views import (
    approvals,
    comments,
    credit_memos,
    document_pdfs,
    invoices,
    mass_actions,
    order_actions,
    order_detail,
    order_edit,
    order_export,
    order_list,
    payment_links,
)

app_name = "orders"

urlpatterns = [
    path("", order_list.order_list, name="list"),
    # Mass actions on the grid's rows, one POST URL each (before "<number>/", which would take
    # "mass"): orders/views/mass_actions.py, run as jobs (backoffice/jobs/)
    *[
        path(f"mass/{name}/", mass_actions.mass_action_view, {"action": name}, name=f"mass_{name}")
        for name in MASS_ACTIONS
    ],
    path("export.csv", order_export.order_export, name="export"),
    path("<str:number>/", order_detail.order_detail, name="detail"),
    path("<str:number>/comments/", comments.order_comment_add_view, name="comment_add"),
    # Comments History and Transactions beyond the newest rows the page draws ("Show all")
    path("<str:number>/comments/list/", order_detail.order_comments_panel, name="comments_panel"),
    path(
        "<str:number>/transactions/",
        order_detail.order_transactions_panel,
        name="transactions_panel",
    ),
    # Invoices (one POST URL per operation; see orders/operations.py)
    path("<str:number>/invoices/new/", invoices.invoice_new, name="invoice_new"),
    path("<str:number>/invoices/totals/", invoices.invoice_new_totals, name="invoice_totals"),
    # All the order's invoices in one PDF (before <invoice_number>/, which would take "pdf")
    path("<str:number>/invoices/pdf/", document_pdfs.order_invoices_pdf_view, name="invoices_pdf"),
    path(
        "<str:number>/invoices/<str:invoice_number>/",
        invoices.invoice_detail_view,
        name="invoice_detail",
    ),
    # Print (PDF) and Send Email (again, with the PDF): orders/views/document_pdfs.py
    path(
        "<str:number>/invoices/<str:invoice_number>/pdf/",
        document_pdfs.invoice_pdf_view,
        name="invoice_pdf",
    ),
    path(
        "<str:number>/invoices/<str:invoice_number>/email/",
        document_pdfs.invoice_email_view,
        name="invoice_email",
    ),
    path(
        "<str:number>/invoices/<str:invoice_number>/capture/",
        invoices.invoice_capture_view,
        name="invoice_capture",
    ),
    path(
        "<str:number>/invoices/<str:invoice_number>/cancel/",
        invoices.invoice_cancel_view,
        name="invoice_cancel",
    ),
    # Credit memos (one POST URL per button; see orders/operations.py)
    path(
        "<str:number>/invoices/<str:invoice_number>/credit-memos/new/",
        credit_memos.credit_memo_new,
        name="credit_memo_new",
    ),
    path(
        "<str:number>/invoices/<str:invoice_number>/credit-memos/totals/",
        credit_memos.credit_memo_totals,
        name="credit_memo_totals",
    ),
    path(
        "<str:number>/invoices/<str:invoice_number>/credit-memos/refund/",
        credit_memos.credit_memo_refund,
        name="credit_memo_refund",
    ),
    path(
        "<str:number>/invoices/<str:invoice_number>/credit-memos/refund-offline/",
        credit_memos.credit_memo_refund_offline,
        name="credit_memo_refund_offline",
    ),
    path(
        "<str:number>/credit-memos/new/",
        credit_memos.order_credit_memo_new,
        name="order_credit_memo_new",
    ),
    path(
        "<str:number>/credit-memos/totals/",
        credit_memos.order_credit_memo_totals,
        name="order_credit_memo_totals",
    ),
    path(
        "<str:number>/credit-memos/refund-offline/",
        credit_memos.order_credit_memo_refund_offline,
        name="order_credit_memo_refund_offline",
    ),
    path(
        "<str:number>/credit-memos/<str:memo_number>/",
        credit_memos.credit_memo_detail_view,
        name="credit_memo_detail",
    ),
    path(
        "<str:number>/credit-memos/<str:memo_number>/pdf/",
        document_pdfs.credit_memo_pdf_view,
        name="credit_memo_pdf",
    ),
    path(
        "<str:number>/credit-memos/<str:memo_number>/email/",
        document_pdfs.credit_memo_email_view,
        name="credit_memo_email",
    ),
    path("<str:number>/refund/", credit_memos.goodwill_refund_view, name="refund"),
    path(
        "<str:number>/refund/offline/",
        credit_memos.goodwill_refund_offline_view,
        name="refund_offline",
    ),
    # Order header actions
    path("<str:number>/void/", order_actions.order_void_view, name="void"),
    path("<str:number>/cancel/", order_actions.order_cancel_view, name="cancel"),
    path("<str:number>/hold/", order_actions.order_hold_view, name="hold"),
    path("<str:number>/unhold/", order_actions.order_unhold_view, name="unhold"),
    path("<str:number>/mark-as-paid/", order_actions.order_mark_as_paid_view, name="mark_as_paid"),
    # Order edits and their Outstanding's new authorization (orders/views/order_edit.py)
    path("<str:number>/edit/", order_edit.order_edit_view, name="edit"),
    path("<str:number>/edit/totals/", order_edit.order_edit_totals, name="edit_totals"),
    path(
        "<str:number>/authorize-difference/",
        order_edit.order_authorize_difference_view,
        name="authorize_difference",
    ),
    # Payment links (orders/services/payment_links.py); the public page is backoffice/urls "pay/"
    path(
        "<str:number>/payment-links/",
        payment_links.payment_link_create_view,
        name="payment_link_create",
    ),
    path(
        "<str:number>/payment-links/<int:link_id>/send/",
        payment_links.payment_link_send_view,
        name="payment_link_send",
    ),
    path(
        "<str:number>/payment-links/<int:link_id>/revoke/",
        payment_links.payment_link_revoke_view,
        name="payment_link_revoke",
    ),
    path(
        "<str:number>/payment-links/<int:link_id>/check/",
        payment_links.payment_link_check_view,
        name="payment_link_check",
    ),
    # Four-eyes: decide a request awaiting approval, or withdraw one's own
    path(
        "<str:number>/approvals/<int:approval_id>/approve/",
        approvals.approval_approve_view,
        name="approval_approve",
    ),
    path(
        "<str:number>/approvals/<int:approval_id>/reject/",
        approvals.approval_reject_view,
        name="approval_reject",
    ),
    path(
        "<str:number>/approvals/<int:approval_id>/withdraw/",
        approvals.approval_withdraw_view,
        name="approval_withdraw",
    ),
]
