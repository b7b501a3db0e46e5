"""The Python-written widgets (backoffice/form_renderer.py) draw exactly what Django's widget
templates draw, for every kind of input, select and textarea the pages use."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from backoffice.form_renderer import FastWidgetRenderer

CHOICES = [("", "Any"), ("a&b", "A & B"), (1, "One"), ("group", [("x", "<X>"), ("y", "Y")])]


class Everything(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": 'Say "hi"', "x": True}))
    empty = forms.CharField(required=False)
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "hidden": False}))
    email = forms.EmailField()
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput(attrs={"id": False}))
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    check = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    safe = forms.CharField(widget=forms.Textarea)
    radio = forms.ChoiceField(choices=[("r", "R")], widget=forms.RadioSelect, required=False)


DATA = [
    {},
    {
        "text": "<b>&amp;",
        "empty": "",
        "number": "12",
        "email": "a@b.c",
        "date": "2026-12-06",
        "hidden": "k'ey",
        "password": "s3cret",
        "check": "on",
        "choice": "a&b",
        "many": ["1", "x"],
        "note": "line 1\n<line 2>",
        "safe": "",
        "radio": "r",
    },
]


@pytest.mark.parametrize("data", DATA, ids=["unbound", "bound"])
def test_every_widget_is_drawn_as_djangos_templates_draw_it(data):
    django_form = Everything(data or None, initial={"date": datetime.date(2026, 1, 2)})
    fast_form = Everything(data or None, initial={"date": datetime.date(2026, 1, 2)})
    django_form.renderer, fast_form.renderer = DjangoTemplates(), FastWidgetRenderer()

    for name in Everything.base_fields:
        assert str(fast_form[name]) == str(django_form[name]), name


def test_a_safe_value_is_not_escaped_twice():
    widget = forms.TextInput()
    value = mark_safe("&amp;")
    fast = widget.render("n", value, renderer=FastWidgetRenderer())
    assert fast == widget.render("n", value, renderer=DjangoTemplates())
    assert 'value="&amp;"' in fast


def test_the_project_renders_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastWidgetRenderer)
