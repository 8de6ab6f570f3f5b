"""Staff admin of the directory.

- Organisations: public data, common to every network. A staff user holding the directory
  permissions sees every organisation, but changes (or deletes) only those
  `services.access.may_edit_organisation` allows — the superuser, the staff of a network the
  organisation is an active member of; the others get the change page read-only (and 403 on a
  save) and propose a change from the public page instead. Fields a person changes that an
  import writes are locked (kept by later SIRENE and member-list imports: services.locks).
  Themes and approvals are checkboxes mapped to the bit fields; the derived columns (ESS
  family, rule and source, territory codes, search text) are recomputed on save by
  `services.organisations.organisation_refresh_derived`; every change is kept by
  django-simple-history (who, what, when: the "Historique" button), one row per save, with a
  reason when there is one (an accepted proposal) and none otherwise.
- Memberships carry personal data (contact fields): a staff user only sees and edits the
  memberships of the networks where they hold the staff role; superusers see all. Opening a
  membership writes an access-log entry (RGPD accountability). Two actions answer a person's
  requests on the selected memberships: export their personal data (CSV, former values from
  the history included) and erase the contact (after a confirmation page), both logged
  (services.personal_data).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from atelier.accounts.enums import Role
from atelier.accounts.selectors import user_network_ids
from atelier.core.services import access_log_record

from .enums import Approval, Theme
from .geo import lonlat_to_world
from .models import (
    ChangeProposal,
    Establishment,
    Organisation,
    OrganisationMembership,
    organisation_field,
)
from .selectors.approvals import approval_source_lines
from .selectors.organisations import ESS_RULE_EXPLANATIONS, ESS_RULE_TITLES
from .services.access import may_edit_organisation, moderated_organisation_ids
from .services.approvals import approvals_set_by_staff
from .services.locks import LOCKABLE_FIELDS, fields_lock
from .services.organisations import bits, organisation_refresh_derived
from .services.personal_data import contact_data_csv, contact_data_erase, contact_data_export


class OrganisationAdminForm(forms.ModelForm):
    website = forms.URLField(
        label=_("site web"), required=False, assume_scheme="https", max_length=200
    )
    themes = forms.TypedMultipleChoiceField(
        label=_("thèmes"),
        choices=Theme.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    approvals = forms.TypedMultipleChoiceField(
        label=_("agréments et statuts"),
        choices=Approval.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    locked = forms.MultipleChoiceField(
        label=_("champs protégés des imports"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Un champ modifié ici est protégé : les imports suivants (répertoire SIRENE, listes "
            "d'adhérents) ne l'écrasent pas. Décochez-le pour qu'ils le mettent de nouveau à jour."
        ),
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "acronym",
            "siren",
            "legal_category",
            "naf",
            "sirene_ess_flag",
            "staff_approved",
            "ess_decision",
            "description",
            "website",
            "creation_date",
            "headcount_band",
            "is_active",
            "source",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "locked" in self.fields:
            self.fields["locked"].choices = [
                (name, organisation_field(name).verbose_name) for name in LOCKABLE_FIELDS
            ]
        if self.instance.pk:
            self.fields["themes"].initial = [t.value for t in self.instance.themes]
            self.fields["approvals"].initial = [a.value for a in self.instance.approvals]
            self.fields["locked"].initial = list(self.instance.locked_fields or [])

    def save(self, commit=True):
        # Approvals: OrganisationAdmin.save_form, which records who decided (services.approvals).
        self.instance.theme_bits = bits(self.cleaned_data.get("themes") or [])
        if "locked" in self.cleaned_data:
            self.instance.locked_fields = list(self.cleaned_data["locked"])
        if self.instance.pk:
            # Fields changed by a person are locked (unless unlocked in this same save).
            changed = [n for n in self.changed_data if n in LOCKABLE_FIELDS]
            if "locked" in self.changed_data:
                unlocked = set(self.initial.get("locked") or []) - set(self.cleaned_data["locked"])
                changed = [n for n in changed if n not in unlocked]
            fields_lock(self.instance, changed)
        return super().save(commit=commit)


class OrganisationEditingRule:
    """Change and delete follow services.access.may_edit_organisation for the organisation
    (`obj`: the organisation itself, or the parent organisation of an inline)."""

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed and (obj is None or may_edit_organisation(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed and (obj is None or may_edit_organisation(request.user, obj))


class EstablishmentInline(OrganisationEditingRule, admin.StackedInline):
    model = Establishment
    extra = 0
    raw_id_fields = ["commune", "naf"]
    fields = [
        ("siret", "name"),
        ("address_complement", "street"),
        ("postcode", "commune"),
        ("is_head_office", "is_open", "closed_on", "headcount_band"),
        ("latitude", "longitude", "geo_precision"),
        "naf",
    ]

    # `obj` is the organisation: its establishments follow its editing rule.
    def has_add_permission(self, request, obj=None):
        allowed = super().has_add_permission(request, obj)
        return allowed and (obj is None or may_edit_organisation(request.user, obj))


@admin.register(Organisation)
class OrganisationAdmin(OrganisationEditingRule, SimpleHistoryAdmin):
    form = OrganisationAdminForm
    list_display = [
        "name",
        "acronym",
        "siren",
        "ess_family",
        "ess_rule",
        "departement_code",
        "is_active",
        "source",
    ]
    list_filter = ["ess_family", "ess_rule", "is_active", "source", "staff_approved"]
    search_fields = ["name", "acronym", "=siren"]
    raw_id_fields = ["legal_category", "naf"]
    inlines = [EstablishmentInline]
    readonly_fields = [
        "approval_sources_display",
        "ess_rule_explained",
        "ess_source",
        "ess_family",
        "territory",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "acronym", "siren", "legal_category", "naf"]}),
        (
            _("Appartenance à l'ESS"),
            {
                "fields": [
                    "ess_family",
                    "sirene_ess_flag",
                    "staff_approved",
                    "ess_decision",
                    "ess_rule_explained",
                    "ess_source",
                ],
                "description": _(
                    "La famille et la règle d'appartenance sont calculées à l'enregistrement "
                    "(décision de l'équipe, puis indicateur SIRENE, puis forme juridique, puis "
                    "agrément ESUS ou reconnaissance par l'équipe)."
                ),
            },
        ),
        (
            _("Agréments et thèmes"),
            {
                "fields": ["approvals", "approval_sources_display", "themes"],
                "description": _(
                    "Un agrément coché ou décoché ici est une décision de l'équipe : les "
                    "imports des listes d'adhérents la conservent."
                ),
            },
        ),
        (
            _("Présentation"),
            {
                "fields": [
                    "description",
                    "website",
                    "creation_date",
                    "headcount_band",
                    "is_active",
                    "source",
                ]
            },
        ),
        (_("Corrections protégées"), {"fields": ["locked"]}),
        (_("Calculé"), {"fields": ["territory", "created_at", "updated_at"]}),
    ]
    history_list_display = ["ess_rule", "ess_source"]

    # -- who may change what (services.access) ------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only page: the form's own fields (themes, approvals, locks) are shown too.
            fields += ["themes_display", "approvals_display", "locked_display"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        shown = {"themes": "themes_display", "approvals": "approvals_display"}
        shown["locked"] = "locked_display"
        return [
            (name, {**opts, "fields": [shown.get(f, f) for f in opts["fields"]]})
            for name, opts in fieldsets
        ]

    @admin.display(description=_("thèmes"))
    def themes_display(self, obj: Organisation) -> str:
        return ", ".join(str(t.label) for t in obj.themes) or "—"

    @admin.display(description=_("agréments et statuts"))
    def approvals_display(self, obj: Organisation) -> str:
        return ", ".join(str(a.label) for a in obj.approvals) or "—"

    @admin.display(description=_("sources des agréments"))
    def approval_sources_display(self, obj: Organisation) -> str:
        rows = approval_source_lines(obj, with_people=True) if obj.pk else []
        return "\n".join(rows) or "—"

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        if "approvals" in form.cleaned_data:
            approvals_set_by_staff(
                organisation=obj, approvals=form.cleaned_data["approvals"], user=request.user
            )
        return obj

    @admin.display(description=_("champs protégés des imports"))
    def locked_display(self, obj: Organisation) -> str:
        names = obj.locked_fields or []
        return ", ".join(str(organisation_field(n).verbose_name) for n in names) or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if obj is not None and self.has_view_permission(request, obj):
            if not self.has_change_permission(request, obj):
                url = reverse("directory:organisation-propose", args=[obj.pk])
                self.message_user(
                    request,
                    format_html(
                        _(
                            "Cette fiche est en lecture seule pour vous : seules l'équipe des "
                            "réseaux dont l'organisation est membre et la super-administration "
                            'la modifient. <a href="{}">Proposer une modification</a>'
                        ),
                        url,
                    ),
                    messages.INFO,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("règle d'appartenance à l'ESS"))
    def ess_rule_explained(self, obj: Organisation) -> str:
        if not obj.pk:
            return "—"
        title = ESS_RULE_TITLES.get(obj.ess_rule, obj.get_ess_rule_display())
        return f"{title} — {ESS_RULE_EXPLANATIONS[obj.ess_rule]}"

    @admin.display(description=_("territoire (siège)"))
    def territory(self, obj: Organisation) -> str:
        codes = [obj.commune_code, obj.departement_code, obj.region_code, obj.epci_code]
        return " / ".join(c for c in codes if c) or "—"

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for est in instances:
            if isinstance(est, Establishment):
                if est.latitude is not None and est.longitude is not None:
                    est.mx, est.my = lonlat_to_world(est.longitude, est.latitude)
                else:
                    est.mx = est.my = None
            est.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the establishments are saved: the head office gives the territory columns,
        # written into the history row of this save (one row per save, no empty reason).
        organisation_refresh_derived(organisation=form.instance, new_history_row=False)


@admin.register(OrganisationMembership)
class OrganisationMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "network", "status", "joined_on"]
    list_filter = ["status", "network"]
    search_fields = ["organisation__name", "organisation__siren"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation", "network"]
    actions = ["export_personal_data", "erase_contacts"]

    def _network_ids(self, request) -> set[int] | None:
        """Networks whose memberships `request.user` may see; None = all (superuser)."""
        if request.user.is_superuser:
            return None
        if not hasattr(request, "_staff_network_ids"):
            request._staff_network_ids = user_network_ids(request.user, roles=[Role.STAFF])
        return request._staff_network_ids

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        allowed = self._network_ids(request)
        return qs if allowed is None else qs.filter(network_id__in=allowed)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "network":
            allowed = self._network_ids(request)
            if allowed is not None:
                kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may(self, request, obj) -> bool:
        allowed = self._network_ids(request)
        return obj is None or allowed is None or obj.network_id in allowed

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may(request, obj)

    def has_add_permission(self, request):
        allowed = self._network_ids(request)
        return super().has_add_permission(request) and (allowed is None or bool(allowed))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and object_id:
            # Another network's membership (or none): do not even confirm it exists.
            raise Http404
        return obj

    def _visible(self, request, object_id):
        """The membership `object_id` if `request.user` may see it (a deleted one through its
        last history row, for the history pages), else 404 — never 403, which would confirm
        that another network's membership exists."""
        try:
            obj = self.get_queryset(request).filter(pk=object_id).first()
            if obj is None:
                last = self.model.history.filter(id=object_id).order_by("-history_date").first()
                obj = last.instance if last is not None and self._may(request, last) else None
        except (ValueError, ValidationError):
            obj = None
        if obj is None:
            raise Http404
        return obj

    def _log_view(self, request, obj, response, detail: str) -> None:
        """An access-log entry when a page showing a membership's personal data was served."""
        if request.method != "GET" or response.status_code != 200:
            return
        held = obj.contact_name or obj.contact_email or obj.contact_phone or obj.notes
        blank = dict.fromkeys(("contact_name", "contact_email", "contact_phone", "notes"), "")
        if held or self.model.history.filter(id=obj.pk).exclude(**blank).exists():
            access_log_record(user=request.user, action="view", obj=obj, detail=detail)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self._visible(request, object_id)
            self._log_view(request, obj, response, "admin: contact de l'adhésion")
        return response

    def history_view(self, request, object_id, extra_context=None):
        # simple_history finds a membership outside the queryset through its history and then
        # answers 403: check visibility first.
        obj = self._visible(request, unquote(object_id))
        response = super().history_view(request, object_id, extra_context)
        self._log_view(request, obj, response, "admin: historique de l'adhésion")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._visible(request, unquote(object_id))
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._log_view(request, obj, response, "admin: version passée de l'adhésion")
        return response

    @admin.action(
        description=_("Exporter les données personnelles (RGPD, CSV)"), permissions=["view"]
    )
    def export_personal_data(self, request, queryset):
        records = contact_data_export(
            user=request.user, memberships=queryset, reason="admin : export RGPD"
        )
        # With a byte order mark, so that spreadsheets read the accents.
        response = HttpResponse(
            "\ufeff" + contact_data_csv(records), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="donnees-personnelles.csv"'
        return response

    @admin.action(
        description=_("Effacer les coordonnées des contacts (RGPD)"), permissions=["change"]
    )
    def erase_contacts(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            erased = contact_data_erase(
                user=request.user, memberships=queryset, reason="admin : effacement RGPD"
            )
            self.message_user(
                request,
                ngettext(
                    "Coordonnées effacées pour %(n)d adhésion (historique compris).",
                    "Coordonnées effacées pour %(n)d adhésions (historique compris).",
                    erased,
                )
                % {"n": erased},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Effacer les coordonnées des contacts ?"),
            "opts": self.model._meta,
            "memberships": queryset.select_related("organisation", "network"),
            "objects": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "erase_contacts",
        }
        return TemplateResponse(
            request, "admin/directory/organisationmembership/erase_contacts.html", context
        )


@admin.register(ChangeProposal)
class ChangeProposalAdmin(admin.ModelAdmin):
    """The proposals, read-only: they are decided at /atlas/moderation/ (services.proposals),
    which applies them with their reason in the organisation's history."""

    list_display = ["id", "organisation", "status", "proposer", "email", "created_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "email"]
    list_select_related = ["organisation", "proposer"]
    readonly_fields = [f.name for f in ChangeProposal._meta.fields]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = moderated_organisation_ids(request.user)
        return qs if ids is None else qs.filter(organisation_id__in=ids)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
