"""Stack files as people keep them: located errors, byte-identical round trips, safe saves."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from studio.document import load_file, load_text, revalidate
from studio.errors import SaveConflictError, StackFileError, StackInvalidError, StudioError
from studio.stack import Rule
from tests.conftest import DATA, STACK_FILES

INVALID = DATA / "invalid"

# file -> (line, column, what the message must say); 0 means "no position is expected"
GALLERY = {
    "alias_bomb.yaml": (0, 0, "expands to more than 2,000,000 values"),
    "bad_relative_time.yaml": (63, 14, "'-1 day' is not a time"),
    "cel_syntax_in_block.yaml": (61, 21, "the condition ends too early"),
    "deep_nesting.yaml": (0, 0, "nested too deeply"),
    "duplicate_key.yaml": (3, 1, 'found duplicate key "name"'),
    "duplicate_rule_id.yaml": (60, 9, "'may-discount' is already used"),
    "empty.yaml": (1, 1, "a stack file is a mapping"),
    "enum_value_not_in_list.yaml": (59, 29, "'renewl' is not a value of stage"),
    "limits_on_never.yaml": (56, 5, "'limits' belongs to may rules"),
    "malformed_yaml.yaml": (6, 9, "expected ',' or ']'"),
    "must_without_duties.yaml": (53, 11, "a must rule needs at least one duty"),
    "not_a_mapping.yaml": (1, 1, "a stack file is a mapping"),
    "not_utf8.yaml": (2, 10, "isn't UTF-8 text"),
    "python_tag.yaml": (2, 1, "YAML tags"),
    "unknown_attribute_in_list.yaml": (62, 20, "customer has no attribute 'ar'"),
    "unknown_key.yaml": (42, 1, "unknown key 'agnets'"),
    "unknown_param_in_limit.yaml": (58, 21, "params has no parameter 'percent'"),
    "unknown_route.yaml": (59, 12, "'deal-dsk' is neither a team nor a human queue"),
    "unknown_team.yaml": (43, 21, "unknown team 'salez'"),
    "wrong_attribute_type.yaml": (61, 23, "arr must be a number, not 'lots'"),
    "wrong_format.yaml": (1, 9, "format should be 'coordination-studio/v1'"),
}


def test_the_gallery_is_complete() -> None:
    assert sorted(path.name for path in INVALID.glob("*.yaml")) == sorted(GALLERY)


@pytest.mark.parametrize(("name", "expected"), sorted(GALLERY.items()))
def test_every_broken_file_gets_a_located_message_and_is_left_untouched(
    name: str, expected: tuple[int, int, str]
) -> None:
    path = INVALID / name
    before = path.read_bytes()
    line, column, words = expected
    with pytest.raises(StudioError) as caught:
        load_file(path)
    error = caught.value
    messages = [error.message, *(problem.message for problem in error.problems)]
    assert any(words in message for message in messages), messages
    if line:
        problem = next(p for p in error.problems if words in p.message or words in error.message)
        assert (problem.file, problem.line, problem.column) == (str(path), line, column)
    assert path.read_bytes() == before


def test_the_cli_prints_file_line_column_and_no_traceback() -> None:
    path = INVALID / "unknown_team.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "studio.cli.main", "check", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert f"{path}:43:21: unknown team 'salez' (did you mean 'sales'?)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_file_and_a_folder_are_clear() -> None:
    with pytest.raises(StackFileError, match="no such file"):
        load_file(Path("nowhere/stack.yaml"))
    with pytest.raises(StackFileError, match="is a folder"):
        load_file(DATA)


def test_all_problems_are_reported_at_once() -> None:
    text = (
        (INVALID / "unknown_team.yaml").read_text().replace("{id: mkt, team: marketing,", "{id: mkt, team: marketting,")
    )
    with pytest.raises(StackInvalidError) as caught:
        load_text(text, source="two.yaml")
    assert [problem.message for problem in caught.value.problems] == [
        "unknown team 'salez'",
        "unknown team 'marketting'",
    ]


# -- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.stem)
def test_an_unedited_sample_dumps_byte_for_byte(path: Path) -> None:
    """Not just the no-change shortcut: the whole tree dumps back to the same text, so an edit
    anywhere can't reformat the rest of the file."""
    from studio.document import _dump, _fresh_tree

    document = load_file(path)
    assert document.render(document.stack) == document.text
    assert _dump(_fresh_tree(document.text, document.source), document.text) == document.text
    assert _dump(document.tree, document.text) == document.text


COMMENTED = Path(__file__).resolve().parents[2] / "sample_stacks" / "b2b_saas_renewals.yaml"


def _with_rule(document_stack, rule_id: str, **changes: object):  # type: ignore[no-untyped-def]
    rules = [rule.model_copy(update=changes) if rule.id == rule_id else rule for rule in document_stack.rules]
    return document_stack.model_copy(update={"rules": rules})


def test_editing_a_limit_changes_that_line_only() -> None:
    document = load_file(COMMENTED)
    edited = _with_rule(
        document.stack, "B3-sdr-discounts", limits=["params.discount_pct <= 15", "params.acv_impact_usd <= 20000"]
    )
    text = document.render(edited)
    changed = [(a, b) for a, b in zip(document.text.splitlines(), text.splitlines(), strict=True) if a != b]
    assert changed == [("      - params.discount_pct <= 10", "      - params.discount_pct <= 15")]
    assert load_text(text).stack == edited


def test_removing_adding_and_renaming_keep_every_comment() -> None:
    document = load_file(COMMENTED)
    rules = [rule for rule in document.stack.rules if rule.id != "B18-sev1-awareness"]
    rules.append(
        Rule.model_validate(
            {
                "id": "B99-new",
                "kind": "never",
                "owner": "legal",
                "rationale": "A new rule",
                "when": "customer.arr_usd > 5",
            }
        )
    )
    edited = document.stack.model_copy(update={"rules": rules, "name": "Renamed"})
    text = document.render(edited)
    comments = [line.strip() for line in document.text.splitlines() if line.strip().startswith("#")]
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("#")] == comments
    assert load_text(text).stack == edited
    # The new rule comes last among the rules, in model key order, before the blank line that ends the section.
    assert "    over_limit: stop\n  - id: B99-new\n    kind: never\n" in text
    assert (
        "      A new rule" not in text
        and "    rationale: A new rule\n    when: customer.arr_usd > 5\n\ncustomers:" in text
    )


def test_edit_then_undo_saves_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_bytes(COMMENTED.read_bytes())
    document = load_file(path)
    edited = _with_rule(document.stack, "B9-marketing-nurture", when="customer.health == 'green'")
    saved = document.save(edited)
    restored = saved.save(document.stack)
    assert path.read_bytes() == COMMENTED.read_bytes()
    assert restored.digest == hashlib.sha256(COMMENTED.read_bytes()).hexdigest()


# -- saving safely ---------------------------------------------------------------------------------


def test_a_file_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_bytes(COMMENTED.read_bytes())
    document = load_file(path)
    someone_else = path.read_text().replace("Northwind Analytics (B2B SaaS renewals)", "Edited elsewhere")
    path.write_text(someone_else)
    assert document.changed_on_disk()
    with pytest.raises(SaveConflictError, match="changed on disk"):
        document.save(document.stack.model_copy(update={"name": "Mine"}))
    assert path.read_text() == someone_else
    document.save(document.stack.model_copy(update={"name": "Mine"}), force=True)
    assert "name: Mine" in path.read_text()


def test_save_as_refuses_to_replace_an_existing_file(tmp_path: Path) -> None:
    document = load_file(COMMENTED)
    other = tmp_path / "other.yaml"
    other.write_text("keep me")
    with pytest.raises(SaveConflictError, match="already exists"):
        document.save(document.stack, other)
    assert other.read_text() == "keep me"
    document.save(document.stack, tmp_path / "new.yaml")
    assert (tmp_path / "new.yaml").read_bytes() == COMMENTED.read_bytes()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "stack.yaml"
    path.write_bytes(COMMENTED.read_bytes())
    document = load_file(path)

    def broken_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("studio.document.os.fsync", broken_fsync)
    with pytest.raises(StackFileError, match=r"Can't save .*No space left on device; the file on disk is unchanged"):
        document.save(document.stack.model_copy(update={"name": "Lost?"}))
    assert path.read_bytes() == COMMENTED.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["stack.yaml"]


def test_saving_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_bytes(COMMENTED.read_bytes())
    path.chmod(0o600)
    document = load_file(path)
    document.save(document.stack.model_copy(update={"name": "Mode kept"}))
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_clean_load_parses_the_round_trip_tree_only_when_it_is_needed() -> None:
    """A file without problems is read by the quick reader; the tree that locates problems and
    keeps comments is parsed on first use, and then gives the same locations and saves."""
    document = load_file(COMMENTED)
    assert document.parsed is None
    rule = document.stack.rules[0]
    broken = document.stack.model_copy(
        update={"rules": [rule.model_copy(update={"owner": "nobody"}), *document.stack.rules[1:]]}
    )
    located = revalidate(document, broken)
    assert document.parsed is not None
    owner_at = document.text.index("owner:", document.text.index(f"id: {rule.id}"))
    owner_line = document.text[:owner_at].count("\n") + 1
    assert [(problem.line, "nobody" in problem.message) for problem in located] == [(owner_line, True)]


def test_a_file_the_quick_reader_cannot_vouch_for_keeps_its_tree_from_the_start() -> None:
    text = COMMENTED.read_text(encoding="utf-8")
    document = load_text("%YAML 1.2\n---\n" + text)  # a directive: left to ruamel
    assert document.parsed is not None
    assert document.stack == load_file(COMMENTED).stack


@pytest.mark.parametrize(
    "value",
    ["Keep\tit short", "Keep it short\t", "!", "|#>", "a\u2028b"],
    ids=["tab inside", "tab after", "bare tag", "odd block header", "unicode line break"],
)
def test_what_only_libyaml_accepts_is_read_and_reported_by_ruamel(value: str) -> None:
    """The quick reader steps aside wherever the two readers could differ, so a file loads (or
    is refused, with a location) exactly as ruamel reads it, and later saves can't fail."""
    text = COMMENTED.read_text(encoding="utf-8").replace("description: ", f"description: {value}\n  # was: ", 1)
    try:
        document = load_text(text, source="x.yaml")
    except StudioError as error:
        assert error.problems and error.problems[0].line > 0
        return
    assert document.parsed is not None  # read by ruamel from the start
    document.render(document.stack.model_copy(update={"name": "Renamed"}))


def test_the_quick_reader_vouches_only_for_what_ruamel_reads_the_same() -> None:
    import random

    from studio.document import _quick_data, _yaml

    pieces = [*"ab01.-+: #!&*|>'\"[]{},?%@`\t\n~=<", "\u2028", "\x85", "\ufeff", "é", "\\", "  ", "\n  ", "\n- "]
    pieces += ["\r\n", "\r", "||"]
    templates = ["k: {}\n", "k: [{}]\n", "k:\n  - {}\n", "k: {{a: {}}}\n", 'k: "{}"\n', "k: '{}'\n", "{}: 1\n"]
    templates += ["k: |\n  {}\n", "k: >\n  {}\n", "k:\n  |{}\n  x\n", "k: >-\n  a\n  {}\n"]
    chance = random.Random(7)
    vouched = 0
    for _ in range(3000):
        text = chance.choice(templates).format("".join(chance.choice(pieces) for _ in range(chance.randint(1, 8))))
        quick = _quick_data(text)
        if quick is None:
            continue
        vouched += 1
        assert quick == _plain(_yaml().load(text)), repr(text)
    assert vouched > 500


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value
