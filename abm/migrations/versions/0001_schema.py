"""Schema: companies, contacts, relationships, conversations, touchpoints, import batches.

Revision ID: 0001
Revises: 
Create Date: 2026-12-04 20:38:56.159991

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The six tables, their keys, checks and indexes."""
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('entity', sa.String(), nullable=False),
    sa.Column('filename', sa.String(), nullable=True),
    sa.Column('preset', sa.String(), server_default='native', nullable=False),
    sa.Column('mode', sa.String(), server_default='create', nullable=False),
    sa.Column('status', sa.String(), server_default='running', nullable=False),
    sa.Column('created_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejected_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reverted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('running', 'completed', 'failed', 'reverted')", name=op.f('import_batches_status_vocabulary')),
    sa.PrimaryKeyConstraint('id', name=op.f('import_batches_pkey'))
    )
    op.create_table('companies',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('domain', sa.String(), nullable=True),
    sa.Column('industry', sa.String(), nullable=True),
    sa.Column('sector', sa.String(), nullable=True),
    sa.Column('tier', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(), server_default='target', nullable=False),
    sa.Column('employee_count', sa.Integer(), nullable=True),
    sa.Column('annual_revenue', sa.BigInteger(), nullable=True),
    sa.Column('location', sa.String(), nullable=True),
    sa.Column('owner', sa.String(), nullable=True),
    sa.Column('description', sa.String(), nullable=True),
    sa.Column('research_data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('research_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contact_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active_conversation_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("domain = lower(domain) AND domain ~ '^[a-z0-9.-]+\\.[a-z0-9-]+$'", name=op.f('companies_domain_normalized')),
    sa.CheckConstraint("status IN ('prospect', 'target', 'engaged', 'customer', 'churned', 'disqualified')", name=op.f('companies_status_vocabulary')),
    sa.CheckConstraint('active_conversation_count >= 0', name=op.f('companies_active_conversation_count_range')),
    sa.CheckConstraint('annual_revenue >= 0', name=op.f('companies_annual_revenue_range')),
    sa.CheckConstraint('contact_count >= 0', name=op.f('companies_contact_count_range')),
    sa.CheckConstraint('employee_count >= 0', name=op.f('companies_employee_count_range')),
    sa.CheckConstraint('length(btrim(name)) > 0', name=op.f('companies_name_not_blank')),
    sa.CheckConstraint('tier BETWEEN 1 AND 3', name=op.f('companies_tier_range')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('companies_import_batch_id_fkey'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('companies_pkey'))
    )
    op.create_index('companies_domain_key', 'companies', [sa.literal_column('lower(domain)')], unique=True)
    op.create_index('companies_name_trgm', 'companies', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.create_index(op.f('ix_companies_import_batch_id'), 'companies', ['import_batch_id'], unique=False)
    op.create_index(op.f('ix_companies_industry'), 'companies', ['industry'], unique=False)
    op.create_index(op.f('ix_companies_status'), 'companies', ['status'], unique=False)
    op.create_index(op.f('ix_companies_tier'), 'companies', ['tier'], unique=False)
    op.create_table('import_changes',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(), nullable=False),
    sa.Column('row_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('previous', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("action IN ('created', 'updated')", name=op.f('import_changes_action_vocabulary')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('import_changes_batch_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('import_changes_pkey'))
    )
    op.create_index(op.f('ix_import_changes_batch_id'), 'import_changes', ['batch_id'], unique=False)
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(), server_default='', nullable=False),
    sa.Column('last_name', sa.String(), server_default='', nullable=False),
    sa.Column('email', sa.String(), nullable=True),
    sa.Column('phone', sa.String(), nullable=True),
    sa.Column('title', sa.String(), nullable=True),
    sa.Column('department', sa.String(), nullable=True),
    sa.Column('role', sa.String(), nullable=True),
    sa.Column('seniority', sa.String(), nullable=True),
    sa.Column('is_decision_maker', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_primary', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('linkedin_url', sa.String(), nullable=True),
    sa.Column('location', sa.String(), nullable=True),
    sa.Column('timezone', sa.String(), nullable=True),
    sa.Column('interests', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('communication_preferences', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('preferred_channel', sa.String(), nullable=True),
    sa.Column('opted_out', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('notes', sa.String(), nullable=True),
    sa.Column('engagement_points', sa.Float(), server_default='0', nullable=False),
    sa.Column('engagement_score', sa.Float(), sa.Computed('round((100 * (1 - exp(-least(engagement_points / 30.0, 700))))::numeric, 2)', persisted=True), nullable=False),
    sa.Column('last_engaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("email ~ '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'", name=op.f('contacts_email_format')),
    sa.CheckConstraint("preferred_channel IN ('email', 'sms', 'call', 'linkedin', 'meeting', 'other')", name=op.f('contacts_preferred_channel_vocabulary')),
    sa.CheckConstraint('email IS NOT NULL OR length(btrim(first_name || last_name)) > 0', name=op.f('contacts_email_or_name')),
    sa.CheckConstraint('engagement_points >= 0', name=op.f('contacts_engagement_points_range')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('contacts_company_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('contacts_import_batch_id_fkey'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('contacts_pkey'))
    )
    op.create_index('contacts_decision_makers', 'contacts', ['company_id'], unique=False, postgresql_where=sa.text('is_decision_maker'))
    op.create_index('contacts_email_key', 'contacts', [sa.literal_column('lower(email)')], unique=True)
    op.create_index('contacts_name_trgm', 'contacts', [sa.literal_column("(first_name || ' ' || last_name || ' ' || coalesce(email, '')) gin_trgm_ops")], unique=False, postgresql_using='gin')
    op.create_index('contacts_one_primary_per_company', 'contacts', ['company_id'], unique=True, postgresql_where=sa.text('is_primary'))
    op.create_index(op.f('ix_contacts_company_id'), 'contacts', ['company_id'], unique=False)
    op.create_index(op.f('ix_contacts_import_batch_id'), 'contacts', ['import_batch_id'], unique=False)
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(), nullable=True),
    sa.Column('status', sa.String(), server_default='active', nullable=False),
    sa.Column('qualification_tier', sa.String(), server_default='warm', nullable=False),
    sa.Column('channel', sa.String(), nullable=True),
    sa.Column('owner', sa.String(), nullable=True),
    sa.Column('next_followup_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('context', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('touchpoint_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_touchpoint_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms', 'call', 'linkedin', 'meeting', 'other')", name=op.f('conversations_channel_vocabulary')),
    sa.CheckConstraint("qualification_tier IN ('scorching', 'hot', 'warm', 'cool', 'cold')", name=op.f('conversations_qualification_tier_vocabulary')),
    sa.CheckConstraint("status IN ('active', 'paused', 'won', 'lost', 'closed')", name=op.f('conversations_status_vocabulary')),
    sa.CheckConstraint('touchpoint_count >= 0', name=op.f('conversations_touchpoint_count_range')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('conversations_company_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('conversations_contact_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('conversations_import_batch_id_fkey'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('conversations_pkey'))
    )
    op.create_index('conversations_active_by_company', 'conversations', ['company_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('conversations_followup_due', 'conversations', ['next_followup_at'], unique=False, postgresql_where=sa.text("status = 'active' AND next_followup_at IS NOT NULL"))
    op.create_index(op.f('ix_conversations_company_id'), 'conversations', ['company_id'], unique=False)
    op.create_index(op.f('ix_conversations_contact_id'), 'conversations', ['contact_id'], unique=False)
    op.create_index(op.f('ix_conversations_import_batch_id'), 'conversations', ['import_batch_id'], unique=False)
    op.create_table('relationships',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('related_contact_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('relationship_type', sa.String(), server_default='colleague', nullable=False),
    sa.Column('strength', sa.String(), server_default='medium', nullable=False),
    sa.Column('confidence', sa.Float(), server_default='1', nullable=False),
    sa.Column('source', sa.String(), nullable=True),
    sa.Column('notes', sa.String(), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("relationship_type <> 'manager_of'", name=op.f('relationships_manager_of_stored_reversed')),
    sa.CheckConstraint("relationship_type IN ('colleague', 'reports_to', 'manager_of', 'peer', 'mentor', 'former_colleague', 'referred_by')", name=op.f('relationships_relationship_type_vocabulary')),
    sa.CheckConstraint("strength IN ('weak', 'medium', 'strong')", name=op.f('relationships_strength_vocabulary')),
    sa.CheckConstraint('confidence >= 0 AND confidence <= 1', name=op.f('relationships_confidence_range')),
    sa.CheckConstraint('contact_id <> related_contact_id', name=op.f('relationships_no_self_relationship')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('relationships_company_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('relationships_contact_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('relationships_import_batch_id_fkey'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['related_contact_id'], ['contacts.id'], name=op.f('relationships_related_contact_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('relationships_pkey'))
    )
    op.create_index(op.f('ix_relationships_company_id'), 'relationships', ['company_id'], unique=False)
    op.create_index(op.f('ix_relationships_contact_id'), 'relationships', ['contact_id'], unique=False)
    op.create_index(op.f('ix_relationships_import_batch_id'), 'relationships', ['import_batch_id'], unique=False)
    op.create_index(op.f('ix_relationships_related_contact_id'), 'relationships', ['related_contact_id'], unique=False)
    op.create_index('relationships_pair_key', 'relationships', [sa.literal_column('least(contact_id, related_contact_id)'), sa.literal_column('greatest(contact_id, related_contact_id)')], unique=True)
    op.create_table('touchpoints',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('direction', sa.String(), server_default='outbound', nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('subject', sa.String(), nullable=True),
    sa.Column('content', sa.String(), nullable=True),
    sa.Column('external_id', sa.String(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clicked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms', 'call', 'linkedin', 'meeting', 'other')", name=op.f('touchpoints_channel_vocabulary')),
    sa.CheckConstraint("direction = 'outbound' OR (opened_at IS NULL AND clicked_at IS NULL AND replied_at IS NULL)", name=op.f('touchpoints_events_only_outbound')),
    sa.CheckConstraint("direction IN ('outbound', 'inbound')", name=op.f('touchpoints_direction_vocabulary')),
    sa.CheckConstraint('duration_minutes >= 0', name=op.f('touchpoints_duration_minutes_range')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('touchpoints_company_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('touchpoints_contact_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('touchpoints_conversation_id_fkey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('touchpoints_import_batch_id_fkey'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('touchpoints_pkey'))
    )
    op.create_index(op.f('ix_touchpoints_import_batch_id'), 'touchpoints', ['import_batch_id'], unique=False)
    op.create_index('touchpoints_company_time', 'touchpoints', ['company_id', 'occurred_at'], unique=False)
    op.create_index('touchpoints_contact_time', 'touchpoints', ['contact_id', 'occurred_at'], unique=False)
    op.create_index('touchpoints_conversation_time', 'touchpoints', ['conversation_id', 'occurred_at'], unique=False)
    op.create_index('touchpoints_external_key', 'touchpoints', ['contact_id', 'external_id'], unique=True, postgresql_where=sa.text('external_id IS NOT NULL'))



def downgrade() -> None:
    """Downgrade schema."""

    op.drop_index('touchpoints_external_key', table_name='touchpoints', postgresql_where=sa.text('external_id IS NOT NULL'))
    op.drop_index('touchpoints_conversation_time', table_name='touchpoints')
    op.drop_index('touchpoints_contact_time', table_name='touchpoints')
    op.drop_index('touchpoints_company_time', table_name='touchpoints')
    op.drop_index(op.f('ix_touchpoints_import_batch_id'), table_name='touchpoints')
    op.drop_table('touchpoints')
    op.drop_index('relationships_pair_key', table_name='relationships')
    op.drop_index(op.f('ix_relationships_related_contact_id'), table_name='relationships')
    op.drop_index(op.f('ix_relationships_import_batch_id'), table_name='relationships')
    op.drop_index(op.f('ix_relationships_contact_id'), table_name='relationships')
    op.drop_index(op.f('ix_relationships_company_id'), table_name='relationships')
    op.drop_table('relationships')
    op.drop_index(op.f('ix_conversations_import_batch_id'), table_name='conversations')
    op.drop_index(op.f('ix_conversations_contact_id'), table_name='conversations')
    op.drop_index(op.f('ix_conversations_company_id'), table_name='conversations')
    op.drop_index('conversations_followup_due', table_name='conversations', postgresql_where=sa.text("status = 'active' AND next_followup_at IS NOT NULL"))
    op.drop_index('conversations_active_by_company', table_name='conversations', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('conversations')
    op.drop_index(op.f('ix_contacts_import_batch_id'), table_name='contacts')
    op.drop_index(op.f('ix_contacts_company_id'), table_name='contacts')
    op.drop_index('contacts_one_primary_per_company', table_name='contacts', postgresql_where=sa.text('is_primary'))
    op.drop_index('contacts_name_trgm', table_name='contacts', postgresql_using='gin')
    op.drop_index('contacts_email_key', table_name='contacts')
    op.drop_index('contacts_decision_makers', table_name='contacts', postgresql_where=sa.text('is_decision_maker'))
    op.drop_table('contacts')
    op.drop_index(op.f('ix_import_changes_batch_id'), table_name='import_changes')
    op.drop_table('import_changes')
    op.drop_index(op.f('ix_companies_tier'), table_name='companies')
    op.drop_index(op.f('ix_companies_status'), table_name='companies')
    op.drop_index(op.f('ix_companies_industry'), table_name='companies')
    op.drop_index(op.f('ix_companies_import_batch_id'), table_name='companies')
    op.drop_index('companies_name_trgm', table_name='companies', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.drop_index('companies_domain_key', table_name='companies')
    op.drop_table('companies')
    op.drop_table('import_batches')

