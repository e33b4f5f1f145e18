"""The protocol layer against external test vectors: WeChat's signature example, wechatpy's own envelope
vectors (WeCom and the Official Account share the envelope: random(16) + length + message + id), and
messages we build, sign and encrypt ourselves."""

from __future__ import annotations

import time

import pytest
import wechatpy.crypto

from bot.channels.wechat_protocol import (
    Envelope,
    Rejected,
    check_query,
    parse,
    reply_xml,
    signature,
    signature_ok,
)
from tests.bot.channels.fakes import (
    OPENID,
    event_xml,
    image_xml,
    location_xml,
    sha1_sorted,
    text_xml,
    voice_xml,
)

# WeChat's documented example (WECHAT_NOTES §1.2): Token AAAAA, timestamp 1714036504, nonce 1514711492
OFFICIAL = {"token": "AAAAA", "timestamp": "1714036504", "nonce": "1514711492",
            "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696"}

# wechatpy 1.8.18's tests/test_crypto.py (WeCom; the same envelope as the Official Account's safe mode)
VECTOR_TOKEN, VECTOR_KEY, VECTOR_ID = "123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a"
ECHO = {"signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "timestamp": "1411443780", "nonce": "437374425",
        "echostr": "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
        "plain": "5927782489442352469"}
SEALED = ("RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283d"
          "Gymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPw"
          "BiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54S"
          "NdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eB"
          "dCRxthuL0=")
SEALED_SIG, SEALED_TS, SEALED_NONCE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294"
REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
REPLY_SEALED = ("9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnA"
                "tObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQ"
                "mpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39x"
                "n1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3")


def test_the_official_signature_example() -> None:
    assert signature("AAAAA", "1714036504", "1514711492") == OFFICIAL["signature"]
    assert signature_ok(OFFICIAL["token"], OFFICIAL["signature"], OFFICIAL["timestamp"], OFFICIAL["nonce"])
    check_query("AAAAA", {k: OFFICIAL[k] for k in ("signature", "timestamp", "nonce")})  # no age limit given
    assert not signature_ok("AAAAB", OFFICIAL["signature"], OFFICIAL["timestamp"], OFFICIAL["nonce"])
    assert not signature_ok("AAAAA", OFFICIAL["signature"], OFFICIAL["timestamp"], "1514711493")


def test_forged_missing_and_stale_queries_are_refused() -> None:
    now = int(time.time())
    good = {"signature": sha1_sorted("t", str(now), "n1"), "timestamp": str(now), "nonce": "n1"}
    check_query("t", good, max_age_s=300)
    with pytest.raises(Rejected) as forged:
        check_query("t", {**good, "signature": "0" * 40}, max_age_s=300)
    assert forged.value.status == 403
    with pytest.raises(Rejected) as missing:
        check_query("t", {"timestamp": str(now), "nonce": "n1"})
    assert missing.value.status == 400
    with pytest.raises(Rejected) as malformed:
        check_query("t", {**good, "timestamp": "12a4"})
    assert malformed.value.status == 400
    old = str(now - 301)
    stale = {"signature": sha1_sorted("t", old, "n1"), "timestamp": old, "nonce": "n1"}
    with pytest.raises(Rejected) as replay:
        check_query("t", stale, max_age_s=300)
    assert replay.value.status == 403


def test_the_echostr_vector_decrypts_with_our_envelope() -> None:
    envelope = Envelope(VECTOR_TOKEN, VECTOR_KEY, VECTOR_ID)
    assert signature(VECTOR_TOKEN, ECHO["timestamp"], ECHO["nonce"], ECHO["echostr"]) == ECHO["signature"]
    body = f"<xml><Encrypt><![CDATA[{ECHO['echostr']}]]></Encrypt></xml>"
    assert envelope.open(body, ECHO["signature"], ECHO["timestamp"], ECHO["nonce"]) == ECHO["plain"]
    with pytest.raises(Rejected) as forged:
        envelope.open(body, ECHO["signature"], ECHO["timestamp"], "437374424")
    assert forged.value.status == 403
    with pytest.raises(Rejected) as other_app:  # the id inside the envelope is checked
        Envelope(VECTOR_TOKEN, VECTOR_KEY, "wx0000000000000000").open(body, ECHO["signature"], ECHO["timestamp"],
                                                                      ECHO["nonce"])
    assert other_app.value.status == 403


def test_the_message_vector_decrypts() -> None:
    body = (f"<xml><ToUserName><![CDATA[{VECTOR_ID}]]></ToUserName>\n<Encrypt><![CDATA[{SEALED}]]></Encrypt>\n"
            "<AgentID><![CDATA[1]]></AgentID>\n</xml>")
    plain = Envelope(VECTOR_TOKEN, VECTOR_KEY, VECTOR_ID).open(body, SEALED_SIG, SEALED_TS, SEALED_NONCE)
    assert "<Content><![CDATA[test]]></Content>" in plain and "messense" in plain


def test_the_reply_vector_encrypts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wechatpy.crypto.PrpCrypto, "get_random_string", lambda self: "1234567890123456")
    sealed = Envelope(VECTOR_TOKEN, VECTOR_KEY, VECTOR_ID).seal(REPLY, "461056294", "1411525903")
    assert f"<Encrypt><![CDATA[{REPLY_SEALED}]]></Encrypt>" in sealed
    assert "<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>" in sealed


def test_our_own_envelope_round_trips_chinese_text() -> None:
    envelope = Envelope("tok", VECTOR_KEY, "wx1234567890abcdef")
    xml = text_xml("高新技术企业认定有什么奖励？", 42)
    sealed = envelope.seal(xml, "nonce1", "1700000000")
    import xmltodict

    fields = xmltodict.parse(sealed)["xml"]
    assert fields["MsgSignature"] == sha1_sorted("tok", "1700000000", "nonce1", fields["Encrypt"])
    opened = envelope.open(f"<xml><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>",
                           fields["MsgSignature"], "1700000000", "nonce1")
    assert parse(opened).text == "高新技术企业认定有什么奖励？"
    with pytest.raises(Rejected) as garbage:
        body = "<xml><Encrypt><![CDATA[not base64!!]]></Encrypt></xml>"
        envelope.open(body, sha1_sorted("tok", "1", "n", "not base64!!"), "1", "n")
    assert garbage.value.status == 400


def test_messages_and_events_parse() -> None:
    text = parse(text_xml("你好", 7))
    assert (text.kind, text.openid, text.text, text.msg_id, text.dedup_key) == ("text", OPENID, "你好", 7, "msg:7")
    voice = parse(voice_xml("灵活就业怎么交社保。", 8))
    assert (voice.kind, voice.text) == ("voice", "灵活就业怎么交社保。")
    assert parse(voice_xml(None, 9)).text is None
    place = parse(location_xml(10))
    assert place.kind == "location" and place.location == {"latitude": 22.540503, "longitude": 113.934528,
                                                            "scale": 15.0, "label": "深圳市南山区科技园"}
    assert parse(image_xml(11)).kind == "image"
    click = parse(event_xml("CLICK", "MENU_MATCH", created=1700000000))
    assert (click.kind, click.event, click.event_key, click.msg_id) == ("event", "click", "MENU_MATCH", None)
    assert click.dedup_key == f"event:{OPENID}:1700000000:click:MENU_MATCH"  # FromUserName + CreateTime
    assert parse(event_xml("subscribe")).event == "subscribe"
    assert parse(event_xml("subscribe", "qrscene_123")).event == "subscribe_scan"
    assert parse(event_xml("unsubscribe")).event == "unsubscribe"


@pytest.mark.parametrize("body", [
    "", "not xml", "<xml><FromUserName>x</FromUserName>", "<root><MsgType>text</MsgType></root>",
    "<xml><MsgType><![CDATA[text]]></MsgType></xml>",  # no sender
    text_xml("hi", 1, created=1700000000).replace(OPENID, "bad openid with spaces"),
    text_xml("hi", 1, created=1700000000).replace("<MsgId>1</MsgId>", "<MsgId>abc</MsgId>"),
    text_xml("hi", 1, created=1700000000).replace("<MsgType><![CDATA[text]]></MsgType>", "<MsgType>a</MsgType><MsgType>b</MsgType>"),
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><Content>&lol2;</Content></xml>',
])
def test_malformed_messages_are_400(body: str) -> None:
    with pytest.raises(Rejected) as rejected:
        parse(body)
    assert rejected.value.status == 400


def test_a_reply_swaps_the_addresses_and_survives_cdata_ends() -> None:
    inbound = parse(text_xml("hi", 3))
    xml = reply_xml(inbound, "答案]]>尾巴", now=1700000000)
    import xmltodict

    back = xmltodict.parse(xml)["xml"]
    assert back["ToUserName"] == OPENID and back["FromUserName"] == "gh_0123456789ab"
    assert back["MsgType"] == "text" and back["CreateTime"] == "1700000000"
    assert back["Content"] == "答案]] >尾巴"
