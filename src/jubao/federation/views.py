"""The federation's HTTP side: the signed inbox peers post to, our published identity, and the
workbench page on peers, messages, late hops, shared cases and the rolled-up figures."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from jubao.accounts.policies import policy, staff_view
from jubao.errors import DomainError
from jubao.federation import keys, protocol, selectors
from jubao.federation.handlers import message_apply

log = logging.getLogger(__name__)


@require_GET
def identity(request: HttpRequest) -> JsonResponse:
    """Our office code, key id and public key, as a peer registers them."""
    return JsonResponse(keys.identity())


@csrf_exempt  # Authenticated by the request signature, not by a session cookie.
@require_POST
def inbox(request: HttpRequest) -> HttpResponse:
    """Take one signed message from a peer: verify, apply once, answer with a signed receipt.
    A bad signature gets 401, a body that is no envelope for us 400, a reused id with other
    content 409; none of them changes anything."""
    try:
        peer, data = protocol.verify_request(request)
        result, first = message_apply(peer, data)
    except DomainError as exc:
        log.info("federation message refused: %s", exc.code)
        return JsonResponse(exc.as_dict(), status=exc.status)
    body = protocol.encode(
        {
            "message": data["id"],
            "kind": "receipt",
            "sender": keys.identity()["code"],
            "received": timezone.now().isoformat(),
            "duplicate": not first,
            "result": result,
        }
    )
    url = request.build_absolute_uri()
    response = HttpResponse(body, content_type="application/json")
    for name, value in protocol.sign_receipt(url=url, message_id=data["id"], body=body).items():
        response[name] = value
    return response


@staff_view("cases.supervise")
def overview(request: HttpRequest) -> HttpResponse:
    """Peers, the outbox and inbox, late hops, cases shared with peers, rolled-up figures."""
    rule = policy("cases.supervise")
    context = {
        "me": keys.identity(),
        "peers": selectors.peers(),
        "outbox": selectors.outbox_counts(),
        "recent_out": selectors.recent_out(),
        "recent_in": selectors.recent_in(),
        "late": rule.scope(request.user, selectors.late_hops(), "case__jurisdiction"),
        "links": rule.scope(request.user, selectors.links(), "case__jurisdiction")[:50],
        "figures": selectors.rollup_table(),
        "now": timezone.now(),
    }
    return render(request, "federation/overview.html", context)
