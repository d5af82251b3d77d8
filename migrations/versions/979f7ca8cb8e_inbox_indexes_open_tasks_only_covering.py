"""inbox indexes: open tasks only, covering; a case's open tasks

The inbox's two indexes (created, due) become partial (status = 'open') and hold every
column an inbox filter or search reads; a third one, in (lane, assignee) order, serves the
team lead's workload. They hold the open tasks only, so they are small and quick to build
(CREATE INDEX and DROP INDEX need no batch mode on SQLite). status is the last column:
PostgreSQL leaves out the condition the partial index implies, so a status column before
the lane would leave the lane's range unbounded; SQLite wants it in the index to read the
index alone.

Revision ID: 979f7ca8cb8e
Revises: 468b55549877
Create Date: 2026-12-03 18:08:09.371673

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '979f7ca8cb8e'
down_revision = '468b55549877'
branch_labels = None
depends_on = None

OPEN = "status = 'open'"


def _partial(name, columns):
    op.create_index(
        name,
        'human_task',
        columns,
        unique=False,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def upgrade():
    op.drop_index('ix_human_task_inbox', table_name='human_task')
    op.drop_index('ix_human_task_due', table_name='human_task')
    _partial(
        'ix_human_task_inbox',
        ['tenant_id', 'is_test', 'lane', 'created_at', 'id',
         'assignee', 'due_at', 'model_id', 'case_no', 'subject', 'status'],
    )
    _partial(
        'ix_human_task_due',
        ['tenant_id', 'is_test', 'lane', 'due_at', 'id',
         'assignee', 'created_at', 'model_id', 'case_no', 'subject', 'status'],
    )
    _partial(
        'ix_human_task_workload',
        ['tenant_id', 'is_test', 'lane', 'assignee', 'created_at', 'id', 'due_at', 'status'],
    )
    # A case's open tasks (read at every completed task; engine/store.py lock_task).
    _partial('ix_human_task_open', ['instance_id', 'id', 'task_uuid', 'status'])


def downgrade():
    op.drop_index('ix_human_task_open', table_name='human_task')
    op.drop_index('ix_human_task_workload', table_name='human_task')
    op.drop_index('ix_human_task_due', table_name='human_task')
    op.drop_index('ix_human_task_inbox', table_name='human_task')
    op.create_index(
        'ix_human_task_inbox',
        'human_task',
        ['tenant_id', 'status', 'is_test', 'lane', 'created_at'],
        unique=False,
    )
    op.create_index(
        'ix_human_task_due',
        'human_task',
        ['tenant_id', 'status', 'is_test', 'lane', 'due_at'],
        unique=False,
    )
