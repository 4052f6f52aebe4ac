from django import forms


class WorkstationTokenForm(forms.Form):
    name = forms.CharField(
        label="Nombre de la estación",
        max_length=64,
        help_text="Para reconocerla después, p. ej. «PC-07 piso 2».",
    )
