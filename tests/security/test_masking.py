"""Every common encoding of a secret is masked, in every output: console, transcript, JUnit, JSON."""

from __future__ import annotations

import html
import json
import urllib.parse
from pathlib import Path

import yaml

from engine.secrets import MASK, Secrets, encodings

PASSWORD = "Pä\"ss \\<wörd>&'Xy"


def forms(value: str) -> list[str]:
    return [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        html.escape(value),
        yaml.safe_dump(value).strip(),
        value.upper(),
        value.lower(),
    ]


def test_each_encoding_is_masked() -> None:
    secrets = Secrets()
    secrets.add(PASSWORD)
    for form in forms(PASSWORD):
        assert secrets.mask(f"before {form} after") in (
            f"before {MASK} after",
            f"before '{MASK}' after",
            f'before "{MASK}" after',
        ), form
    assert PASSWORD.upper() in encodings(PASSWORD)


def test_every_cased_form_is_masked_whatever_the_letters_do_when_case_changes() -> None:
    # A text is skipped only when no form of a secret, case-folded, is in it case-folded: letters whose case
    # depends on context (a final sigma), that fold to two letters (ß, the ligature ﬁ) or to one shared by
    # others (K, the Kelvin sign) must not let a form through.
    for secret in ("ΣΟΦΟΣ-pw", "straße-pw", "ﬁle-pw", "Kelvin-\u212a-pw", "İstanbul-pw"):
        secrets = Secrets()
        secrets.add(secret)
        for form in encodings(secret):
            masked = secrets.mask(f"before {form} after")
            assert form not in masked and MASK in masked, (secret, form)
    assert Secrets().mask("nothing secret") == "nothing secret"


def test_secret_results_are_collected() -> None:
    secrets = Secrets()
    secrets.collect({"Parameter": {"Name": "/db/pw", "Type": "SecureString", "Value": "s3cr3t-value"}})
    secrets.collect({"SecretString": '{"k": "v-secret"}', "ARN": "arn:x"})
    secrets.collect({"AuthenticationResult": {"AccessToken": "eyJabcdefghijklmnopqrstuvwxyz"}})
    assert secrets.mask("s3cr3t-value") == MASK
    assert secrets.mask('{"k": "v-secret"}') == MASK
    assert secrets.mask("eyJabcdefghijklmnopqrstuvwxyz") == "eyJabc…"
    assert secrets.mask("/db/pw arn:x") == "/db/pw arn:x"


def test_secrets_added_one_by_one_are_masked_longest_first() -> None:
    # Each add merges its forms into those of the secrets before it: a longer secret that contains an earlier
    # one is still masked whole, in each of its cased forms, and ASCII tokens get their cased forms too.
    secrets = Secrets()
    secrets.add("hunter2-pw")
    secrets.add("eyJhbGciOi.hunter2-pw.sig-part", keep_prefix=True)
    secrets.add("hunter2-pw-and-more")
    for text in encodings("hunter2-pw-and-more"):
        assert secrets.mask(f"<{text}>") == f"<{MASK}>", text
    token = "eyJhbGciOi.hunter2-pw.sig-part"
    for form in (token, token.upper(), token.title(), token.swapcase(), token.capitalize()):
        assert secrets.mask(form) == f"{form[:6]}…", form
    assert secrets.mask("hunter2-pw") == MASK


def test_a_secret_that_is_a_form_of_an_earlier_one_stays_masked_whole() -> None:
    secrets = Secrets()
    token = "abcdefghijklmnop-token"
    secrets.add(token.upper())  # its lower-case form is the token itself
    secrets.add(token, keep_prefix=True)  # already masked whole: no prefix of it is shown afterwards either
    assert secrets.mask(f"{token} {token.upper()}") == f"{MASK} {MASK}"


SCENARIO = """\
name: leak
env: [DB_PASSWORD]
steps:
  - prompt: {id: password, type: password, text: Password}
  - say: "json {{ answers.password | tojson }} url {{ answers.password | urlencode }} up {{ answers.password | upper }}"
  - say: "yaml {{ answers.password | to_yaml }} html {{ answers.password | escape }} env {{ env.DB_PASSWORD }}"
  - say: "{{ env.DB_PASSWORD | lower }}"
"""


def test_no_encoding_reaches_any_output(scenario_run, write, tmp_path: Path) -> None:
    scenario = write("leak.yaml", SCENARIO)
    secret_file = write("pw.txt", PASSWORD + "\n")
    answers = write("answers.yaml", f"password: {{file: {secret_file}}}\n")
    outputs = [tmp_path / "t.jsonl", tmp_path / "j.xml", tmp_path / "s.json"]
    result = scenario_run(
        scenario,
        "--answers",
        answers,
        "--transcript",
        outputs[0],
        "--junit",
        outputs[1],
        "--json",
        outputs[2],
        env={"DB_PASSWORD": 'Env-Pässword"1'},
    )
    assert result.exit_code == 0, result.output
    texts = [result.output] + [path.read_text() for path in outputs]
    for text in texts:
        for form in forms(PASSWORD) + forms('Env-Pässword"1'):
            assert form not in text


def test_answer_from_environment_variable(scenario_run, write) -> None:
    scenario = write("s.yaml", "name: s\nsteps:\n  - prompt: {id: pin, text: PIN}\n  - say: 'pin {{ answers.pin }}'\n")
    result = scenario_run(scenario, env={"SCENARIO_ANSWER_pin": "7777-secret"})
    assert result.exit_code == 0, result.output
    assert "7777-secret" not in result.output and f"pin {MASK}" in result.output
