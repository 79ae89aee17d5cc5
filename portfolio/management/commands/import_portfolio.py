"""Create an ST-läkare and their whole portfolio from a file made by export_portfolio.

    python manage.py import_portfolio <file> [--by USERNAME]

All or nothing, in one transaction. The region and unit named in the file must exist
in this installation (create them first: docs/portfolio-format.md); people missing here
are created as inactive accounts without a password, for an administrator to activate.
The reviews of specialistkollegier in the file are not imported, and the output says so.
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portfolio import portable


class Command(BaseCommand):
    help = "Import an ST-läkare's portfolio from a JSON file made by export_portfolio."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file (UTF-8).")
        parser.add_argument("--by", metavar="USERNAME", help="The administrator to record as the importer.")

    def handle(self, *args, file, by=None, **options):
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(_("No user with the user name %(username)s.") % {"username": by})
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": file, "error": error}) from error
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            # RecursionError: arrays or objects nested thousands deep, which the parser
            # cannot follow; such a file is no portfolio either.
            raise CommandError(
                _("%(path)s is not a JSON file in UTF-8: %(error)s") % {"path": file, "error": error}
            ) from error
        try:
            trainee = portable.import_trainee(data, by=actor)
        except portable.PortfolioImportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported the portfolio of %(name)s (user name %(username)s).")
                % {"name": trainee.user.name, "username": trainee.user.username}
            )
        )
        reviews = trainee.not_imported.get("panel_reviews", 0)
        if reviews:
            # Kept in the file for the record; they belong to the old unit's specialistkollegium.
            self.stdout.write(
                self.style.WARNING(
                    ngettext(
                        "%(count)d assessment from a specialistkollegium was not imported: it belongs to the "
                        "old unit's kollegium and stays in the file.",
                        "%(count)d assessments from specialistkollegier were not imported: they belong to the "
                        "old unit's kollegium and stay in the file.",
                        reviews,
                    )
                    % {"count": reviews}
                )
            )
