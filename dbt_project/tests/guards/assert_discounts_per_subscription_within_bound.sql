-- int_licensed_period_amounts applies at most var max_discounts_per_subscription (default 3)
-- discounts per subscription; a subscription with more would be billed as if it had fewer.
-- Raise the var if this fails.
select subscription_id, count(*) as discount_count
from {{ ref('stg_billing__subscription_discounts') }}
group by subscription_id
having count(*) > {{ var('max_discounts_per_subscription', 3) }}
