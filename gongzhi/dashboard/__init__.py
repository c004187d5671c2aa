"""Leader dashboards (数据驾驶舱) and the monthly bulletin (月通报): figures computed in PostgreSQL
for the viewer's territory, their exports, and the bulletin document."""
