"""No models: this module makes Django send ``post_migrate`` for the config app.

Django sends ``post_migrate`` only to apps with a models module; the config app's
handler creates the database cache's table after every ``migrate`` (``config/apps.py``).
"""
