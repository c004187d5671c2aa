from gongzhi import db
def test_dbg(app_as):
    at = app_as("community")
    at.run()
    print("T1", [x.value for x in at.title])
    at.switch_page("pages/demands.py").run()
    print("T2", [x.value for x in at.title], at.exception)
    b = db.checkouts(); at.run(); print("N", db.checkouts() - b)
