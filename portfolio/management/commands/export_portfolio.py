"""Write a trainee's whole portfolio as a portable JSON file (docs/portfolio-format.md).

    python manage.py export_portfolio <username> [--output FILE]

Without --output the document goes to standard output. The copy is complete (it
includes the notes of every handledning): it is the administrator's tool for moving a
trainee to another installation, run on the server. The export is recorded in the
audit log without an actor.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.domain import record_event
from portfolio import portable
from portfolio.models import Trainee


class Command(BaseCommand):
    help = "Export an ST-läkare's portfolio as JSON (format st-portfolj/portfolio, version 2)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="User name of the ST-läkare.")
        parser.add_argument("--output", "-o", metavar="FILE", help="Write to FILE (UTF-8) instead of standard output.")

    def handle(self, *args, username, output=None, **options):
        trainee = Trainee.objects.filter(user__username=username).first()
        if trainee is None:
            raise CommandError(_("No ST-läkare with the user name %(username)s.") % {"username": username})
        text = portable.dumps(portable.export_trainee(trainee))
        if output:
            try:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as error:
                raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": output, "error": error}) from error
        else:
            self.stdout.write(text, ending="")
        record_event(None, "portfolio.exported", trainee, withheld=[])
        if output:
            self.stderr.write(
                _("Portfolio of %(username)s written to %(path)s.") % {"username": username, "path": output}
            )
