"""Health band badges from the one Band type: `{{ band|band_style }}` (the Bootstrap colour),
`{{ band|band_symbol }}` (a shape, so the band reads without colour) and `{{ band|band_label }}`."""

from django import template

from relationships.scoring.models import Band

register = template.Library()

BAND_STYLE = {
    Band.GREEN: "success",
    Band.AMBER: "warning",
    Band.RED: "danger",
    Band.INSUFFICIENT: "secondary",
}
BAND_SYMBOL = {Band.GREEN: "●", Band.AMBER: "▲", Band.RED: "■", Band.INSUFFICIENT: "○"}
LABELS = dict(Band.choices)


@register.filter
def band_style(band) -> str:
    return BAND_STYLE.get(band, "secondary")


@register.filter
def band_symbol(band) -> str:
    return BAND_SYMBOL.get(band, "○")


@register.filter
def band_label(band) -> str:
    return LABELS.get(band, "")
