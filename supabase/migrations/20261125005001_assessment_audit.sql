-- The assessment is recomputed in bulk (one row per unit and volunteer each time); auditing every
-- recomputed row would add a hundred thousand audit rows per run. The audit keeps what people
-- decide: the residents' evaluation entered by staff, and rows removed by the district.

-- ---------------------------------------------------------------- triggers
drop trigger assessment_audit on public.assessment;
create trigger assessment_evaluation_audit after update of evaluation on public.assessment
  for each row when (old.evaluation is distinct from new.evaluation) execute function private.audit();
create trigger assessment_delete_audit after delete on public.assessment
  for each row execute function private.audit();

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
