from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "relationships"
    verbose_name = "Relationships"

    def ready(self) -> None:
        from kam.lib.metrics import register_scrape_collector
        from relationships.scoring.metrics import scoring_metrics

        # The nightly scoring's last duration and the age of its last success, at every scrape.
        register_scrape_collector("scoring", scoring_metrics)
