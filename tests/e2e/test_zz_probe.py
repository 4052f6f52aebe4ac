from playwright.sync_api import expect
OUT = "/tmp/e2e-probe/"
def test_probe(new_context, login, logged_in_page, submit_login):
    a = logged_in_page("agente")
    a.locator("[data-testid=bell]").click()
    a.wait_for_timeout(1500)
    a.screenshot(path=OUT + "bell-menu.png")
    print(a.locator("#bell-menu").inner_html()[:2000])
