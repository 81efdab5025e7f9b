"""Every text the bot shows in chat, in one place (Vietnamese; catalogs come with i18n)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.actions import BoardSlot
from bot.domain.posts import PostKind

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
KIND_VI = {PostKind.DAILY: "Tin tốt mỗi ngày", PostKind.WEEKLY: "Câu chuyện đẹp mỗi tuần"}

BUTTON_APPROVE = "✅ Duyệt"
BUTTON_REJECT = "❌ Từ chối"
BUTTON_RESCHEDULE = "🕒 Đổi giờ"
BUTTON_NOW = "⚡ Đăng ngay"
BUTTON_BACK = "↩️ Quay lại"
BUTTON_EDIT = "✏️ Sửa"
EDIT_PREFIX = "✏️ Nội dung mới cho bài #"
EDITED = "Đã cập nhật bản nháp; mời duyệt lại."


def ask_edit(post_id: int) -> str:
    return (
        f"{EDIT_PREFIX}{post_id}? Trả lời tin nhắn này: dòng đầu là tiêu đề, "
        "các dòng sau là nội dung."
    )


PICK_A_TIME = "Chọn giờ đăng."
RULE = "───────────────"

NOT_ALLOWED = "Bạn không có quyền duyệt bài."
SUBSCRIBED = (
    "Chào bạn! Từ nay mỗi ngày bạn sẽ nhận 1 tin tốt và mỗi tuần 1 câu chuyện đẹp.\n"
    "/today: tin tốt mới nhất · /week: câu chuyện tuần này · /stop: ngừng nhận tin"
)
ALREADY_SUBSCRIBED = "Bạn đang nhận tin rồi. /stop để ngừng nhận."
UNSUBSCRIBED = "Bạn đã ngừng nhận tin. Gửi /start bất cứ lúc nào để nhận lại."
NOT_SUBSCRIBED = "Bạn chưa đăng ký nhận tin. Gửi /start để nhận."
NOTHING_YET = "Chưa có bài nào được đăng."
ADMINS_ONLY = "Lệnh này chỉ dành cho quản trị viên."
NOT_AN_OFFICER = "Chỉ cán bộ truyền thông mới gửi được recap. Gửi /start để nhận tin tốt mỗi ngày."


def officer_approved(recap_id: int, post_id: int, slot: datetime, tz: ZoneInfo) -> str:
    return (
        f"Recap #{recap_id} của bạn đã thành bài #{post_id}, được duyệt, "
        f"đăng lúc {slot_vi(slot, tz)}."
    )


def officer_rejected(recap_id: int, post_id: int) -> str:
    return f"Bài #{post_id} từ recap #{recap_id} của bạn đã không được duyệt."


def vote_counted(count: int, needed: int) -> str:
    return f"Đã ghi nhận phiếu duyệt ({count}/{needed})."


def votes_line(names: list[str], needed: int) -> str:
    return f"{RULE}\n🗳 Phiếu duyệt {len(names)}/{needed}: {escape(', '.join(names))}"


REASON_PREFIX = "❓ Lý do từ chối bài #"


def ask_reason(post_id: int) -> str:
    return f"{REASON_PREFIX}{post_id}? Trả lời tin nhắn này (không bắt buộc)."


def officer_reason(post_id: int, reason: str) -> str:
    return f"Lý do bài #{post_id} không được duyệt: {reason}"


REASON_RELAYED = "Đã ghi lại lý do và chuyển đến cán bộ gửi recap."
REASON_KEPT = "Đã ghi lại lý do."


def stats(week: int, month: int, kept_week: float | None, kept_month: float | None) -> str:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}%"

    return (
        "<b>Thống kê</b>\n"
        f"Tuần này: {week} bài đã đăng · giữ nhịp {pct(kept_week)}\n"
        f"Tháng này: {month} bài đã đăng · giữ nhịp {pct(kept_month)}"
    )


def recap_stored(recap_id: int, title: str) -> str:
    return f"Đã nhận recap #{recap_id}: {title}"


def recap_refused(problem: str) -> str:
    return f"Chưa lưu được recap: {problem}"


ROLE_USAGE = "Cách dùng: /grant <user_id> admin|officer (hoặc /revoke)."


def role_changed(user_id: int, role: str, give: bool, changed: bool) -> str:
    if not changed:
        return "Không có gì thay đổi."
    return f"Đã {'cấp' if give else 'thu hồi'} quyền {role} cho {user_id}."


NO_PENDING = "Không có bản nháp nào chờ duyệt."


def board_header(empty: int) -> str:
    return f"<b>Lịch đăng 14 ngày tới</b> ({empty} khung giờ trống)"


def board_line(slot: BoardSlot, tz: ZoneInfo) -> str:
    local = slot.at.astimezone(tz)
    if slot.post_id:
        what = f"#{slot.post_id} {escape((slot.title or '')[:40])}"
    else:
        what = "⚠️ <i>trống</i>"
    flag = f" [{escape(slot.status)}]" if slot.status else ""
    day = "CN" if local.weekday() == 6 else f"T{local.weekday() + 2}"
    return f"{day} {local:%d/%m %H:%M} · {escape(slot.channel)} · {what}{flag}"


def paused(channels: list[str], *, paused: bool) -> str:
    if not channels:
        return "Không có gì thay đổi."
    verb = "Đã tạm dừng" if paused else "Đã tiếp tục"
    return f"{verb}: {', '.join(channels)}"


UNKNOWN_BUTTON = "Nút này không còn hiệu lực."
HELP = (
    "Tôi là bot “Mỗi ngày 1 tin tốt, mỗi tuần 1 câu chuyện đẹp”.\n"
    "Quản trị viên nhận bản nháp ở đây và bấm Duyệt hoặc Từ chối."
)


def slot_vi(instant: datetime, tz: ZoneInfo) -> str:
    """``07:30 Chủ nhật 29/11/2026 (GMT+7)``."""
    local = instant.astimezone(tz)
    offset = local.utcoffset()
    hours = offset.total_seconds() / 3600 if offset is not None else 0.0
    gmt = f"GMT{hours:+g}"
    return f"{local:%H:%M} {WEEKDAYS_VI[local.weekday()]} {local:%d/%m/%Y} ({gmt})"


def approval_request(
    *,
    post_id: int,
    kind: PostKind,
    slot: datetime,
    tz: ZoneInfo,
    recap_id: int | None,
    post_html: str,
) -> str:
    source = f" · từ recap #{recap_id}" if recap_id is not None else ""
    return (
        f"📝 <b>Bản nháp #{post_id}</b> · {escape(KIND_VI[kind])}{source}\n"
        f"Dự kiến đăng: {escape(slot_vi(slot, tz))}\n"
        f"{RULE}\n{post_html}"
    )


def approved(*, post_id: int, who: str, slot: datetime, tz: ZoneInfo, post_html: str) -> str:
    return (
        f"✅ <b>Đã duyệt #{post_id}</b> bởi {escape(who)}\n"
        f"Sẽ đăng lúc {escape(slot_vi(slot, tz))}\n"
        f"{RULE}\n{post_html}"
    )


def rejected(*, post_id: int, who: str, post_html: str) -> str:
    return f"❌ <b>Đã từ chối #{post_id}</b> bởi {escape(who)}\n{RULE}\n{post_html}"


def closed(*, post_id: int, status: str, post_html: str) -> str:
    return f"ℹ️ <b>Bài #{post_id}</b>: {escape(status)}\n{RULE}\n{post_html}"


def answer_approved(slot: datetime, tz: ZoneInfo) -> str:
    return f"Đã duyệt. Đăng lúc {slot_vi(slot, tz)}"


def empty_slots(slots: list[str], drafted: list[int], missing: list[str]) -> str:
    lines = ["⚠️ <b>Ngày mai còn khung giờ chưa có bài</b>:"]
    lines += [f"• {escape(s)}" for s in slots]
    if drafted:
        lines.append(
            "Đã soạn sẵn bản nháp "
            + ", ".join(f"#{n}" for n in drafted)
            + " để quản trị viên duyệt."
        )
    for kind in missing:
        lines.append(f"Không còn recap nào để soạn {escape(kind)}: hãy gửi thêm recap.")
    return "\n".join(lines)


ANSWER_ALREADY_APPROVED = "Bài này đã được duyệt rồi."
ANSWER_REJECTED = "Đã từ chối."
ANSWER_ALREADY_REJECTED = "Bài này đã bị từ chối rồi."
