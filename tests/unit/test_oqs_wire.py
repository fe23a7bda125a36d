"""The OQS wire format (entrypoints/oqs/wire.py, OQS.md §2.1): XML in UTF-8 and Shift_JIS and
the JSON form read into one tree and written back, optional elements left out, 〓 for what
CP932 cannot hold, and every hostile input refused as a message that cannot be processed."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shikaku.entrypoints.oqs import codes, wire
from shikaku.entrypoints.oqs.codes import Unreadable

XML = "application/xml"
FUZZ = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Every element of OQS.md §1.1's response, with a value of each.
RESULT = {
    "InsuredCardClassification": "01", "InsurerNumber": "06139992", "InsuredCardSymbol": "0012",
    "InsuredIdentificationNumber": "00345", "InsuredBranchNumber": "01", "PersonalFamilyClassification": "1",
    "Name": "試験\u3000太郎", "NameKana": "ｼｹﾝ ﾀﾛｳ", "Sex1": "1", "Birthdate": "19530303",
    "QualificationDate": "20200401", "DisqualificationDate": "20270401",
    "InsuredCertificateIssuanceDate": "20241202", "InsuredCardValidDate": "20200401",
    "InsuredCardExpirationDate": "20270331", "InsuredPartialContributionRatio": "030",
    "PreschoolClassification": "1", "ReasonOfLoss": "99", "InsurerName": "テスト健康保険組合",
    "ElderlyRecipientCertificateInfo": {"ElderlyRecipientValidStartDate": "20230401",
                                        "ElderlyRecipientValidEndDate": "20280302",
                                        "ElderlyRecipientContributionRatio": "030"},
    "LimitApplicationCertificateRelatedConsFlg": "1",
    "LimitApplicationCertificateRelatedConsTime": "20260401093012",
    "LimitApplicationCertificateRelatedInfo": {"LimitApplicationCertificateClassification": "02",
                                               "LimitApplicationCertificateClassificationFlag": "B05",
                                               "LimitApplicationCertificateValidStartDate": "20260401",
                                               "LimitApplicationCertificateValidEndDate": "20270331"},
    "SpecificDiseasesCertificateRelatedConsFlg": "1",
    "SpecificDiseasesCertificateRelatedConsTime": "20260401093012",
    "SpecificDiseasesCertificateList": [
        {"SpecificDiseasesDiseaseCategory": "1", "SpecificDiseasesValidStartDate": "20250101",
         "SpecificDiseasesValidEndDate": "20271231", "SpecificDiseasesSelfPay": "10000"},
        {"SpecificDiseasesDiseaseCategory": "3", "SpecificDiseasesValidStartDate": "20250101",
         "SpecificDiseasesSelfPay": "10000"}],
}
HEADER = {"ProcessExecutionTime": "20260401093012", "QualificationConfirmationDate": "20260401",
          "MedicalInstitutionCode": "1310112345", "ArbitraryFileIdentifier": "file-77",
          "ReferenceClassification": "2", "SegmentOfResult": "1", "CharacterCodeIdentifier": None}
SEARCH = {"InsurerNumber": "06139992", "InsuredCardSymbol": "0012", "InsuredIdentificationNumber": "00345",
          "InsuredBranchNumber": "01", "Birthdate": "19530303", "LimitApplicationCertificateRelatedConsFlg": "1",
          "ArbitraryIdentifier": "patient-0042"}
MESSAGE = {"MessageHeader": HEADER,
           "MessageBody": {"QualificationConfirmSearchInfo": SEARCH, "ProcessingResultStatus": "1",
                           "QualificationValidity": "1", "ResultList": [{"ResultOfQualificationConfirmation": RESULT}]}}


def sent(tree: dict, encoding: str) -> dict:
    """`tree` as the other side reads it back."""
    content, media_type = wire.encode(tree, encoding)
    read, read_encoding = wire.decode(content, media_type)
    assert read_encoding == encoding
    return read


def with_code(tree: dict, code: str) -> dict:
    return {**tree, "MessageHeader": {**tree["MessageHeader"], "CharacterCodeIdentifier": code}}


def refused(body: bytes | str, content_type: str = XML) -> str:
    with pytest.raises(Unreadable) as caught:
        wire.decode(body.encode("utf-8") if isinstance(body, str) else body, content_type)
    assert caught.value.message_ja
    return caught.value.code


# ---------------------------------------------------------------- both ways

@pytest.mark.parametrize("encoding, code", [(wire.UTF8, "0"), (wire.SHIFT_JIS, "1"), (wire.JSON, "0")])
def test_every_element_goes_both_ways(encoding, code):
    assert sent(MESSAGE, encoding) == with_code(MESSAGE, code)


def test_a_request_is_written_without_a_character_code():
    """CharacterCodeIdentifier is an answer's (`messages.response_header` names it); a request
    written by `messages.confirmation_request` has none."""
    request = {"MessageHeader": {"MedicalInstitutionCode": "1310112345"}, "MessageBody": {"QualificationConfirmSearchInfo": SEARCH}}
    assert sent(request, wire.UTF8) == request


def test_the_xml_has_the_elements_where_clients_read_them():
    content, media_type = wire.encode(MESSAGE, wire.UTF8)
    assert media_type == "application/xml; charset=UTF-8"
    assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?><XmlMsg><MessageHeader>')
    root = ET.fromstring(content)
    result = root.find("MessageBody/ResultList/ResultOfQualificationConfirmation")
    assert [e.tag for e in result] == list(RESULT)  # in the order of the table
    for name, value in RESULT.items():
        if isinstance(value, str):
            assert result.find(name).text == value, name
    info = result.findall("SpecificDiseasesCertificateList/SpecificDiseasesCertificateInfo")
    assert [i.find("SpecificDiseasesDiseaseCategory").text for i in info] == ["1", "3"]
    assert result.find("ElderlyRecipientCertificateInfo/ElderlyRecipientContributionRatio").text == "030"
    assert root.find("MessageHeader")[-1].tag == "CharacterCodeIdentifier"


def test_the_json_form_has_the_arrays_of_public_clients():
    content, media_type = wire.encode(MESSAGE, wire.JSON)
    assert media_type == "application/json"
    import json
    body = json.loads(content)["XmlMsg"]["MessageBody"]
    assert isinstance(body["ResultList"], list)
    assert body["ResultList"][0]["ResultOfQualificationConfirmation"]["SpecificDiseasesCertificateList"][1] == \
        RESULT["SpecificDiseasesCertificateList"][1]


def test_repeated_elements_are_lists_and_a_bulk_unit_always():
    xml = ("<XmlMsg><MessageBody><QualificationConfirmSearchInfo><InsurerNumber>1</InsurerNumber>"
           "</QualificationConfirmSearchInfo><QualificationConfirmSearchInfo><InsurerNumber>2</InsurerNumber>"
           "</QualificationConfirmSearchInfo><BulkConfirmUnit><ReferenceNumber>1</ReferenceNumber>"
           "</BulkConfirmUnit></MessageBody></XmlMsg>")
    tree, encoding = wire.decode(xml.encode(), "text/xml; charset=utf-8")
    assert encoding == wire.UTF8
    assert tree["MessageBody"]["QualificationConfirmSearchInfo"] == [{"InsurerNumber": "1"}, {"InsurerNumber": "2"}]
    assert tree["MessageBody"]["BulkConfirmUnit"] == [{"ReferenceNumber": "1"}]
    assert wire.as_list({"a": "1"}) == [{"a": "1"}] and wire.as_list(None) == [] and wire.as_list([1]) == [1]
    again = wire.encode(tree, wire.UTF8)[0].decode()
    assert again.count("<QualificationConfirmSearchInfo>") == 2 and "<BulkConfirmUnit>" in again


@pytest.mark.parametrize("name, values", [
    ("SegmentOfResult", ["1", "2", "9"]), ("ReferenceClassification", ["1", "2"]),
    ("QualificationValidity", ["1", "2", "3", "4", "5"]), ("ProcessingResultStatus", ["1", "2"]),
    ("PersonalFamilyClassification", ["1", "2"]), ("Sex1", ["1", "2", "3"]),
    ("ReasonOfLoss", ["01", "03", "99"]), ("InsuredPartialContributionRatio", ["020", "030"]),
    ("LimitApplicationCertificateClassification", ["01", "02"]),
    ("LimitApplicationCertificateClassificationFlag",
     ["A01", "A02", "A03", "A04", "A05", "B01", "B02", "B03", "B04", "B05", "B06"]),
    ("SpecificDiseasesDiseaseCategory", ["1", "2", "3"]), ("SpecificDiseasesSelfPay", ["10000", "20000"]),
    ("ErrorCode", sorted(code for code in codes.MESSAGES if code.startswith("SK-M"))),
    ("ProcessingResultCode", sorted(code for code in codes.MESSAGES if code.startswith("SK-Q"))),
])
def test_every_code_value_keeps_its_text(name, values):
    for value in values:
        for encoding in (wire.UTF8, wire.SHIFT_JIS, wire.JSON):
            assert sent({"MessageBody": {name: value}}, encoding) == {"MessageBody": {name: value}}


def test_shikakus_codes_cannot_be_mistaken_for_national_ones():
    assert all(code.startswith("SK-") and code[3] in "MQ" for code in codes.MESSAGES)
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in text) for text in codes.MESSAGES.values())


# ---------------------------------------------------------------- encodings

def test_shift_jis_is_windows_cp932_and_what_it_cannot_hold_is_geta():
    tree = {"MessageHeader": {"ErrorMessage": "髙橋①～ 😀 한"}}
    content, media_type = wire.encode(tree, wire.SHIFT_JIS)
    assert media_type == "application/xml; charset=Shift_JIS"
    assert content.startswith(b'<?xml version="1.0" encoding="Shift_JIS"?>')
    assert "髙橋①～ 〓 〓" in content.decode("cp932")
    assert sent(tree, wire.SHIFT_JIS)["MessageHeader"]["ErrorMessage"] == "髙橋①～ 〓 〓"


@pytest.mark.parametrize("declared, expected", [("Shift_JIS", wire.SHIFT_JIS), ("shift-jis", wire.SHIFT_JIS),
                                                ("Windows-31J", wire.SHIFT_JIS), ("CP932", wire.SHIFT_JIS),
                                                ("utf-8", wire.UTF8), (None, wire.UTF8)])
def test_the_declaration_names_the_encoding(declared, expected):
    head = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    body = (head + "<XmlMsg><MessageHeader><ErrorMessage>髙橋</ErrorMessage></MessageHeader></XmlMsg>")
    tree, encoding = wire.decode(body.encode("cp932" if expected == wire.SHIFT_JIS else "utf-8"), XML)
    assert encoding == expected and tree["MessageHeader"]["ErrorMessage"] == "髙橋"


def test_a_utf8_bom_and_no_declaration_is_utf8():
    tree, encoding = wire.decode(b"\xef\xbb\xbf<XmlMsg><A>\xe8\xa9\xa6</A></XmlMsg>", XML)
    assert (tree, encoding) == ({"A": "試"}, wire.UTF8)


@pytest.mark.parametrize("body", [
    '<?xml version="1.0" encoding="EUC-JP"?><XmlMsg/>'.encode(),
    '<?xml version="1.0" encoding="ISO-2022-JP"?><XmlMsg/>'.encode(),
    "<XmlMsg/>".encode("utf-16"),
    '<?xml version="1.0" encoding="UTF-8"?><XmlMsg><A>髙橋</A></XmlMsg>'.encode("cp932"),
    b'<?xml version="1.0" encoding="Shift_JIS"?><XmlMsg><A>\x81</A></XmlMsg>',
])
def test_other_encodings_and_broken_bytes_are_refused(body):
    assert refused(body) == codes.ENCODING


def test_the_answer_keeps_a_known_encoding():
    with pytest.raises(Unreadable) as caught:
        wire.decode('<?xml version="1.0" encoding="Shift_JIS"?><Other/>'.encode(), XML)
    assert (caught.value.code, caught.value.encoding) == (codes.NOT_XMLMSG, wire.SHIFT_JIS)


# ---------------------------------------------------------------- what is left out

def test_optional_elements_without_a_value_are_left_out():
    tree = {"MessageHeader": {"A": "1", "B": None, "C": "", "D": {}, "E": [], "F": {"G": None},
                              "CharacterCodeIdentifier": None},
            "MessageBody": {"ResultList": []}}
    content = wire.encode(tree, wire.UTF8)[0].decode()
    assert content.endswith("<XmlMsg><MessageHeader><A>1</A><CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
                            "</MessageHeader></XmlMsg>")
    assert b"null" not in wire.encode(tree, wire.JSON)[0]


def test_text_is_escaped_and_characters_xml_cannot_carry_are_geta():
    content = wire.encode({"A": "<b>&\x01"}, wire.UTF8)[0]
    assert b"<A>&lt;b&gt;&amp;\xe3\x80\x93</A>" in content
    assert wire.decode(content, XML)[0] == {"A": "<b>&〓"}


# ---------------------------------------------------------------- JSON in

def test_json_numbers_are_read_as_text_and_nulls_as_absent():
    body = b'{"XmlMsg": {"MessageHeader": {"A": 1, "B": null}, "MessageBody": {"L": [{"C": "x"}, null]}}}'
    assert wire.decode(body, "application/json") == ({"MessageHeader": {"A": "1"},
                                                      "MessageBody": {"L": [{"C": "x"}]}}, wire.JSON)


@pytest.mark.parametrize("body, code", [
    (b"{", codes.NOT_WELL_FORMED), (b"[]", codes.NOT_XMLMSG), (b'{"Other": {}}', codes.NOT_XMLMSG),
    (b'{"XmlMsg": "text"}', codes.NOT_XMLMSG), (b'{"XmlMsg": {"A": true}}', codes.NOT_XMLMSG),
    (b'{"XmlMsg": {"A": 1.5}}', codes.NOT_XMLMSG),
    (b'{"XmlMsg": ' + b'{"a": ' * 20 + b'"x"' + b"}" * 20 + b"}", codes.TOO_COMPLEX),
    (b'{"XmlMsg": {"a": [' + b",".join([b'"x"'] * (wire.MAX_ELEMENTS + 1)) + b"]}}", codes.TOO_COMPLEX),
])
def test_a_json_message_that_cannot_be_read(body, code):
    assert refused(body, "application/json") == code


# ---------------------------------------------------------------- hostile XML

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
                  + "]><XmlMsg><A>&lol9;</A></XmlMsg>")


@pytest.mark.parametrize("body", [
    "<!DOCTYPE XmlMsg><XmlMsg/>",
    '<!DOCTYPE XmlMsg SYSTEM "http://127.0.0.1:9/x.dtd"><XmlMsg/>',
    '<!DOCTYPE XmlMsg PUBLIC "-//x//y" "file:///etc/passwd"><XmlMsg/>',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><XmlMsg><A>&a;</A></XmlMsg>',
    BILLION_LAUGHS,
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><XmlMsg><A>&e;</A></XmlMsg>',
    '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]><XmlMsg/>',
    '<!DOCTYPE x [<!ENTITY u SYSTEM "http://127.0.0.1:9/u" NDATA gif>]><XmlMsg/>',
    '<XmlMsg xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></XmlMsg>',
])
def test_dtds_entities_external_references_and_xinclude_are_refused(body):
    assert refused(body) == codes.FORBIDDEN_MARKUP


@pytest.mark.parametrize("body", ["<XmlMsg><MessageHeader>", "not xml at all", "", "<XmlMsg><A>&e;</A></XmlMsg>",
                                  "<XmlMsg></Other>", "<XmlMsg/><XmlMsg/>", "<XmlMsg>\x00</XmlMsg>"])
def test_what_is_not_well_formed_is_refused(body):
    assert refused(body) == codes.NOT_WELL_FORMED


def test_another_root_is_not_a_message():
    assert refused("<Other><MessageHeader/></Other>") == codes.NOT_XMLMSG
    assert refused("<XmlMsg/>", "text/plain") == codes.NOT_XMLMSG


@pytest.mark.parametrize("depth", [wire.MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_refused(depth):
    assert refused("<XmlMsg>" + "<a>" * depth + "</a>" * depth + "</XmlMsg>") == codes.TOO_COMPLEX


def test_nesting_to_the_limit_is_read():
    depth = wire.MAX_DEPTH - 1
    tree, _ = wire.decode(("<XmlMsg>" + "<a>" * depth + "x" + "</a>" * depth + "</XmlMsg>").encode(), XML)
    assert tree


def test_too_many_elements_are_refused():
    body = "<XmlMsg><MessageBody>" + "<a>1</a>" * 100 + "</MessageBody></XmlMsg>"
    assert wire.decode(body.encode(), XML, max_elements=102)[0]["MessageBody"]["a"] == ["1"] * 100
    with pytest.raises(Unreadable) as caught:
        wire.decode(body.encode(), XML, max_elements=101)
    assert caught.value.code == codes.TOO_COMPLEX
    huge = "<XmlMsg>" + "<a/>" * (wire.MAX_ELEMENTS + 1) + "</XmlMsg>"
    assert refused(huge) == codes.TOO_COMPLEX


# ---------------------------------------------------------------- fuzz

_PIECES = st.sampled_from(["<XmlMsg>", "</XmlMsg>", "<MessageHeader>", "</MessageHeader>", "<A>", "</A>", "<A/>",
                           "<!DOCTYPE x>", '<!ENTITY e "x">', "&e;", "&amp;", "<?xml version=\"1.0\"?>",
                           '<?xml version="1.0" encoding="Shift_JIS"?>', "<![CDATA[x]]>", "<!-- c -->", "髙",
                           "\x00", "\ufeff", "<ResultList>", "</ResultList>", "<SpecificDiseasesCertificateList>",
                           "<BulkConfirmUnit>", "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\"/>"])


def _read_or_refused(body: bytes, content_type: str) -> None:
    try:
        tree, encoding = wire.decode(body, content_type)
    except Unreadable as exc:
        assert exc.code in codes.MESSAGES
        return
    assert isinstance(tree, dict) and encoding in (wire.UTF8, wire.SHIFT_JIS, wire.JSON)
    for out in (wire.UTF8, wire.SHIFT_JIS, wire.JSON):  # whatever was read can be written
        wire.encode(tree, out)


@FUZZ
@given(st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=30), st.sampled_from(["utf-8", "cp932"]))
def test_fuzz_xml_is_read_or_refused_never_an_error(pieces, codec):
    _read_or_refused("".join(pieces).encode(codec, errors="replace"), XML)


@FUZZ
@given(st.binary(max_size=200), st.sampled_from([XML, "application/json"]))
def test_fuzz_bytes_are_read_or_refused_never_an_error(body, content_type):
    _read_or_refused(body, content_type)


@FUZZ
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                    max_leaves=30))
def test_fuzz_json_is_read_or_refused_never_an_error(value):
    import json
    _read_or_refused(json.dumps({"XmlMsg": value}).encode(), "application/json")


def test_a_repeated_container_is_written_as_read():
    """Two ResultList elements (junk a message may hold, and that is echoed) read as a list of
    lists and are written back as two elements, not dropped."""
    body = "<XmlMsg><ResultList><X>1</X></ResultList><ResultList><Y>2</Y></ResultList></XmlMsg>"
    tree, _ = wire.decode(body.encode(), XML)
    assert tree == {"ResultList": [[{"X": "1"}], [{"Y": "2"}]]}
    assert sent(tree, wire.UTF8) == tree
