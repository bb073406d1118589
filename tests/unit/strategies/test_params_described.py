"""A strategy's parameters as a form shows them (kind, default as text, hint), and refusals that name
the parameter they are about."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from strategies.params import ParamError, ParamSpec, describe, parse_params, values_as_text


@dataclass(frozen=True, slots=True)
class Knobs:
    """Knobs of a test strategy. ``ratio`` is a share of equity."""

    pairs: tuple[str, ...] = ("BTC-USD", "ETH-USD")
    size_fx: int = 1_500_000  # a size in base units
    ratio: float = 0.5
    steps: int = 3
    live: bool = False
    label: str = field(default="x", metadata={"help": "what the run is called"})

    def __post_init__(self) -> None:
        if not 0 < self.ratio <= 1:
            raise ValueError("ratio must be in (0, 1]")


def test_each_parameter_is_described_with_its_default_as_the_text_a_form_sends() -> None:
    assert describe(Knobs) == [
        ParamSpec("pairs", "list", "BTC-USD,ETH-USD", ""),
        ParamSpec("size_fx", "amount", "0.015", "a size in base units"),
        ParamSpec("ratio", "float", "0.5", "ratio is a share of equity."),
        ParamSpec("steps", "int", "3", ""),
        ParamSpec("live", "bool", "false", ""),
        ParamSpec("label", "text", "x", "what the run is called"),
    ]


def test_the_text_of_parsed_values_parses_back_to_the_same_values() -> None:
    parsed = parse_params(Knobs, {"pairs": "LTC-USD, BCH-USD", "size_fx": "0.25", "live": "yes"})
    text = values_as_text(parsed)
    assert text == {"pairs": "LTC-USD,BCH-USD", "size_fx": "0.25", "ratio": "0.5", "steps": "3",
                    "live": "true", "label": "x"}
    assert parse_params(Knobs, text) == parsed


@pytest.mark.parametrize(("raw", "fields", "words"), [
    ({"steps": "three"}, ("steps",), "bad value 'three' for parameter steps: expected a whole number"),
    ({"ratio": "half"}, ("ratio",), "expected a number such as 0.25"),
    ({"size_fx": "lots"}, ("size_fx",), "expected a decimal amount such as 0.01"),
    ({"size_fx": "0.000000001"}, ("size_fx",), "has more than 8 decimal places"),
    ({"ratio": "2"}, ("ratio",), "bad parameters for Knobs: ratio must be in (0, 1]"),
    ({"rate": "2"}, ("rate",), "Knobs takes no parameter rate"),
])
def test_a_refusal_names_the_parameters_it_is_about(raw: dict[str, str], fields: tuple[str, ...],
                                                    words: str) -> None:
    with pytest.raises(ParamError) as refused:
        parse_params(Knobs, raw)
    assert refused.value.fields == fields
    assert words in str(refused.value)
