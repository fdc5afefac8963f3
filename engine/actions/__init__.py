"""Action plugins: one module per service family, each exporting ``ACTIONS``.

Built-in modules are registered through the ``scenario_run.actions`` entry-point group,
exactly as a third-party package would register its own (see ``engine.plan.registry``).
"""
