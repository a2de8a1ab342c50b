from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_sign_in'),
        ('systems', '0006_name_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='aisystem',
            index=models.Index(condition=models.Q(('archived_at__isnull', True)), fields=['team'], include=('criticality', 'eu_ai_act_tier', 'next_review_due', 'last_approved', 'lifecycle_stage', 'id'), name='system_live_idx'),
        ),
    ]
