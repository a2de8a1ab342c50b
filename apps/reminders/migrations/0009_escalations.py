import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('reminders', '0008_soa_events'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalremindersettings',
            name='escalate_after_days',
            field=models.PositiveSmallIntegerField(default=7, help_text="An item overdue for more than this many days is escalated to the committee; each member is told once a day of the day's escalations.", verbose_name='escalate after (days overdue)'),
        ),
        migrations.AlterField(
            model_name='remindersettings',
            name='escalate_after_days',
            field=models.PositiveSmallIntegerField(default=7, help_text="An item overdue for more than this many days is escalated to the committee; each member is told once a day of the day's escalations.", verbose_name='escalate after (days overdue)'),
        ),
        migrations.CreateModel(
            name='Escalation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField()),
                ('due_date', models.DateField(help_text='When the item was due.')),
                ('reason', models.CharField(choices=[('review_due_14', 'Review due within 14 days'), ('review_due_7', 'Review due within 7 days'), ('review_due_1', 'Review due tomorrow or today'), ('review_overdue', 'Review overdue'), ('mitigation_overdue', 'Mitigation overdue'), ('acceptance_expiring', 'Risk acceptance expiring'), ('acceptance_expired', 'Risk acceptance expired'), ('post_incident_review_owed', 'Post-incident review owed'), ('regulator_deadline', 'Regulator notification deadline'), ('obligation_due_14', 'Obligation due within 14 days'), ('obligation_due_7', 'Obligation due within 7 days'), ('obligation_due_1', 'Obligation due tomorrow or today'), ('obligation_overdue', 'Obligation overdue'), ('concern_untriaged', 'Concern waiting for triage'), ('training_due', 'Required training missing or expiring'), ('escalation', 'Escalated to the committee'), ('review_submitted', 'Safety plan submitted for your review'), ('review_decided', 'Decision on a safety plan'), ('acceptance_requested', 'Risk acceptance requested'), ('acceptance_decided', 'Decision on a risk acceptance'), ('incident_opened', 'Serious incident opened'), ('mitigation_assigned', 'Mitigation assigned to you'), ('metric_warning', 'Monitored metric past its warning threshold'), ('evaluation_failed', 'Evaluation run failed'), ('change_review_owed', 'Change review owed for a new version'), ('concern_raised', 'Concern raised about a system'), ('concern_answered', 'Answer to your concern'), ('classification_to_confirm', 'Classification to confirm: the facts it rests on changed'), ('soa_submitted', 'Statement of Applicability submitted for your decision'), ('soa_decided', 'Decision on the Statement of Applicability')], help_text='Why it is late.', max_length=40)),
                ('title', models.CharField(max_length=300)),
                ('url', models.CharField(help_text="The item's page, as a path.", max_length=500)),
                ('responsible', models.CharField(blank=True, help_text='Who is to act.', max_length=200)),
                ('escalated_on', models.DateField(help_text='The day of the sweep that escalated it.')),
                ('content_type', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype')),
            ],
            options={
                'ordering': ['-escalated_on', 'due_date', 'pk'],
                'indexes': [models.Index(fields=['-escalated_on', 'due_date', 'id'], name='escalation_list_idx')],
                'constraints': [models.UniqueConstraint(fields=('content_type', 'object_id', 'due_date'), name='unique_escalation_per_due_date')],
            },
        ),
    ]
