"""The permission matrix: every URL of the project, requested by every role, against a declared table.

- world.py builds one trainee's world (and a second unit beside it) with a record behind every URL;
- kwargs.py says which object of that world each URL's keyword arguments name;
- table.py declares, per URL name, what each role gets (200, login, 404, 403, 405, a redirect …);
- patterns.py walks the URL configuration.
"""
