from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0003_soa'),
        ('mitigations', '0004_dashboard_indexes'),
        ('risks', '0008_risk_tally'),
        ('systems', '0007_live_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='obligation',
            index=models.Index(condition=models.Q(('applicability', 'applies')), fields=['system'], include=('status', 'due_date', 'id'), name='obligation_applies_idx'),
        ),
    ]
