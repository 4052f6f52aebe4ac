import time
def test_probe(new_context, login):
    ctx = new_context()
    t=time.monotonic(); page = login(ctx, "admin"); print("login", time.monotonic()-t)
    for p in ["/", "/usuarios/", "/actividad/", "/equipo/aviso/"]:
        t=time.monotonic(); r = page.goto(p); print(p, "goto", round(time.monotonic()-t,2))
        t=time.monotonic(); page.wait_for_load_state("load"); print(p, "load", round(time.monotonic()-t,2))
        print(page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0].responseEnd)"), page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
