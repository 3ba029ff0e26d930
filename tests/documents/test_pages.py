"""The reading room's PDF pages: drawn on our server in a limited child, served to staff only."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from tests.drawn_pdfs import pdf_with_pages, store_pdf
from tests.hostile_files import SAMPLES
from tests.stored import new_document
from tracker.applications.ratings import add_rating, recuse
from tracker.documents import pages
from tracker.documents.pages import (
    MAX_HEIGHT,
    MAX_PAGES,
    MAX_WIDTH,
    PagePreview,
    RenderError,
    count_pages,
    render_page,
)
from tracker.documents.storage import delete_stored, storage_root
from tracker.extensions import db
from tracker.models import AuditEvent

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Not a PDF at all; a PDF whose catalogue names no pages.
NOT_A_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
NO_PAGES = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def size_of(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


# --- the renderer -------------------------------------------------------------------------


def test_a_two_page_pdf_gives_two_pngs_within_the_size_cap():
    data = (SAMPLES / "cv.pdf").read_bytes()
    assert count_pages(data) == 2
    first, second = render_page(data, 1), render_page(data, 2)
    assert first.startswith(PNG_SIGNATURE)
    assert second.startswith(PNG_SIGNATURE)
    # A4 at the width cap: 1100 px wide, the height in proportion.
    assert size_of(first) == (1100, 1556)
    with pytest.raises(RenderError):
        render_page(data, 3)


def test_a_huge_page_is_scaled_down_to_the_pixel_cap():
    png = render_page(pdf_with_pages(1, size=(14400, 14400)), 1)
    width, height = size_of(png)
    assert width <= MAX_WIDTH
    assert height <= MAX_HEIGHT
    assert (width, height) == (1100, 1100)


def test_a_pdf_on_disk_is_drawn_like_its_bytes(tmp_path):
    data = pdf_with_pages(2)
    path = tmp_path / "cv.pdf"
    path.write_bytes(data)

    assert count_pages(path) == 2
    assert render_page(path, 2) == render_page(data, 2)


def test_only_the_first_twenty_pages_are_shown():
    assert count_pages(pdf_with_pages(23)) == 23
    preview = PagePreview.of_count(23)
    assert preview == PagePreview(shown=MAX_PAGES, total=23)
    assert preview.truncated
    assert list(preview.numbers) == list(range(1, 21))
    with pytest.raises(RenderError):
        render_page(pdf_with_pages(23), 21)


@pytest.mark.parametrize("data", [NOT_A_PDF, NO_PAGES, b""], ids=["garbage", "no-pages", "empty"])
def test_a_broken_pdf_counts_no_page_and_draws_none(data):
    assert count_pages(data) == 0
    with pytest.raises(RenderError):
        render_page(data, 1)


def test_a_renderer_that_runs_out_of_time_counts_no_page(monkeypatch):
    monkeypatch.setattr(pages, "WALL_SECONDS", 0.001)
    assert count_pages(pdf_with_pages(1)) == 0


def test_the_count_on_a_row_is_pending_failed_or_the_pages_drawn():
    assert PagePreview.of_count(None) == PagePreview(pending=True)
    assert PagePreview.of_count(0) == PagePreview(failed=True)
    assert PagePreview.of_count(3) == PagePreview(shown=3, total=3)


# --- the candidate page -------------------------------------------------------------------


def candidate_markup(client, application) -> str:
    response = client.get(f"/review/applications/{application.id}?lang=en")
    assert response.status_code == 200
    return response.text


def test_candidate_page_shows_each_pdf_page_as_an_image_from_our_endpoint(
    storage, editor_client, make_application
):
    application = make_application()
    cv = store_pdf(application, pdf_with_pages(2), text="Lebenslauf")
    markup = candidate_markup(editor_client, application)
    assert (
        f'<img class="pdf-page" src="/review/documents/{cv.id}/pages/1.png" alt="Page 1 of 2">'
    ) in markup
    assert (
        f'<img class="pdf-page" src="/review/documents/{cv.id}/pages/2.png" alt="Page 2 of 2" '
        'loading="lazy">'
    ) in markup
    # Drawn pages come first; the text is one click away.
    assert '<details class="document-text">' in markup
    assert '<pre class="document-preview">Lebenslauf</pre>' in markup
    for tag in ("<embed", "<iframe", "<object"):
        assert tag not in markup


def test_candidate_page_says_when_only_the_first_pages_are_shown(editor_client, make_application):
    application = make_application()
    store_pdf(application, pdf_with_pages(22))
    markup = candidate_markup(editor_client, application)
    assert markup.count('class="pdf-page"') == 20
    assert "Only the first 20 of 22 pages are shown. Download the file to read all of it." in markup


def test_a_pdf_that_cannot_be_drawn_shows_its_text_and_a_notice(editor_client, make_application):
    application = make_application()
    store_pdf(application, NOT_A_PDF, text="Was man lesen konnte")
    markup = candidate_markup(editor_client, application)
    assert (
        '<p class="notice reader-notice" role="note">This PDF could not be shown as pages. '
        "Its text is shown below; download the file to see it as it was sent.</p>"
    ) in markup
    assert '<details class="document-text" open>' in markup
    assert '<pre class="document-preview">Was man lesen konnte</pre>' in markup
    assert 'class="pdf-page"' not in markup


def counting_children(monkeypatch) -> list[list[str]]:
    """Record every child the renderer starts."""
    started: list[list[str]] = []
    real = pages._run_child

    def run_child(arguments, data):
        started.append(arguments)
        return real(arguments, data)

    monkeypatch.setattr(pages, "_run_child", run_child)
    return started


def test_the_page_draws_the_pages_counted_on_the_row_without_opening_the_file(
    storage, editor_client, make_application, monkeypatch
):
    application = make_application()
    cv = store_pdf(application, pdf_with_pages(3), text="Text")
    # Gone from storage after it was counted: the page does not look, the images say so.
    delete_stored(cv.storage_key)
    started = counting_children(monkeypatch)
    for _ in range(2):
        markup = candidate_markup(editor_client, application)
        assert markup.count('class="pdf-page"') == 3
        assert f'src="/review/documents/{cv.id}/pages/3.png" alt="Page 3 of 3"' in markup
    assert started == []
    assert get(editor_client, f"/review/documents/{cv.id}/pages/1.png").status_code == 404


PAGES_NOT_YET = (
    '<p class="muted reader-notice" role="note">'
    "Pages not prepared yet — reload in a moment to see them.</p>"
)


def test_a_pdf_not_counted_yet_says_so_and_shows_its_text(editor_client, make_application):
    application = make_application()
    store_pdf(application, pdf_with_pages(2), text="Lebenslauf", counted=False)
    markup = candidate_markup(editor_client, application)
    assert PAGES_NOT_YET in markup
    assert 'class="pdf-page"' not in markup
    assert "could not be shown as pages" not in markup
    assert '<details class="document-text" open>' in markup
    assert '<pre class="document-preview">Lebenslauf</pre>' in markup


def test_the_not_prepared_notice_is_translated(editor_client, make_application):
    application = make_application()
    store_pdf(application, pdf_with_pages(2), counted=False)
    markup = editor_client.get(f"/review/applications/{application.id}?lang=de").text
    assert (
        '<p class="muted reader-notice" role="note">'
        "Seiten noch nicht vorbereitet – laden Sie die Seite gleich neu, um sie zu sehen.</p>"
    ) in markup


# --- the page endpoint --------------------------------------------------------------------


def get(client, url: str):
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_page_endpoint_sends_a_png_with_inert_private_headers(
    storage, editor_client, make_application
):
    application = make_application()
    data = pdf_with_pages(2)
    cv = store_pdf(application, data)
    response = get(editor_client, f"/review/documents/{cv.id}/pages/2.png")
    assert response.status_code == 200
    assert response.data.startswith(PNG_SIGNATURE)
    assert response.data == render_page(data, 2)
    # The renderer read a local copy (S3) or the object's own file; no copy is left.
    assert list((storage_root() / "staging").iterdir()) == []
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert "Content-Disposition" not in response.headers
    # Looking at pages is reading the candidate page, not taking the file away.
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("document.%"))) is None


@pytest.mark.parametrize("number", [0, 3, 21, 99999])
def test_page_endpoint_refuses_pages_that_are_not_shown(editor_client, make_application, number):
    application = make_application()
    cv = store_pdf(application, pdf_with_pages(2))
    assert get(editor_client, f"/review/documents/{cv.id}/pages/{number}.png").status_code == 404


def test_page_endpoint_serves_only_pdfs_that_exist_and_draw(editor_client, make_application):
    application = make_application()
    broken = store_pdf(application, NOT_A_PDF, kind="writing_sample")
    text = new_document(
        "cover_letter", application=application, filename="letter.txt", size=5, storage_key="b" * 32
    )
    db.session.add(text)
    db.session.commit()
    for document_id in (broken.id, text.id, 999999):
        response = get(editor_client, f"/review/documents/{document_id}/pages/1.png")
        assert response.status_code == 404, document_id
        assert response.headers["Content-Type"].startswith("text/html")


def test_erased_documents_pages_are_gone(editor_client, make_application):
    application = make_application()
    cv = store_pdf(application, pdf_with_pages(1))
    document_id = cv.id
    db.session.delete(cv)
    db.session.commit()
    assert get(editor_client, f"/review/documents/{document_id}/pages/1.png").status_code == 404


@pytest.fixture
def situations(app, make_application, make_user, editor_client):
    """Who asks, about which candidate: the cases the download view has to decide."""
    from tests.conftest import login_as

    application = make_application()
    cv = store_pdf(application, pdf_with_pages(1))
    colleague = make_user("ben@example.org", "editor", name="Ben Editor")
    scores = dict.fromkeys(
        ("regional_expertise", "german_writing", "sourcing", "story_ideas", "reliability"), 3
    )
    # Blind first pass: a colleague rated, the editor has not.
    add_rating(application, by=colleague, scores=scores, recommendation="yes")
    recused = make_user("cleo@example.org", "editor", name="Cleo Editor")
    recuse(application, by=recused, reason="Knows her")
    admin = make_user("ada@example.org", "admin", name="Ada Admin")
    inactive = make_user("gone@example.org", "editor", name="Gone Editor")

    def client_of(user):
        client = app.test_client()
        if user is not None:
            login_as(client, user)
        return client

    clients = {
        "anonymous": client_of(None),
        "blind editor": editor_client,
        "rated colleague": client_of(colleague),
        "recused editor": client_of(recused),
        "admin": client_of(admin),
        "deactivated editor": client_of(inactive),
    }
    inactive.active = False
    db.session.commit()
    return cv, clients


def where(response) -> str | None:
    """Return where *response* redirects to, without the ``next`` that names the request."""
    location = response.headers.get("Location")
    return location.split("?")[0] if location else None


def test_page_endpoint_admits_exactly_whom_the_download_admits(situations):
    cv, clients = situations
    outcomes = {}
    for who, client in clients.items():
        download = get(client, f"/review/documents/{cv.id}")
        page = get(client, f"/review/documents/{cv.id}/pages/1.png")
        assert (page.status_code, where(page)) == (download.status_code, where(download)), who
        outcomes[who] = page.status_code
    # Staff read every candidate's documents (blind pass and recusal hide ratings, not
    # files); a visitor and a deactivated account are sent to sign in.
    assert outcomes == {
        "anonymous": 302,
        "blind editor": 200,
        "rated colleague": 200,
        "recused editor": 200,
        "admin": 200,
        "deactivated editor": 302,
    }


def test_the_child_caps_its_memory_cpu_files_and_core_dumps():
    import subprocess
    import sys

    probe = (
        "import resource\n"
        "from tracker.documents.pages import limit_child\n"
        "limit_child()\n"
        "print([resource.getrlimit(getattr(resource, name)) for name in "
        "('RLIMIT_AS', 'RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_CORE')])\n"
    )
    result = subprocess.run(  # noqa: S603 (our interpreter, a fixed probe)
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    memory, seconds = pages.MEMORY_LIMIT, pages.CPU_SECONDS
    assert result.stdout.strip() == str([(memory, memory), (seconds, seconds), (0, 0), (0, 0)])
