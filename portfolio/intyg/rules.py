"""Who may write an intyg and who may record that it was signed on paper.

Signing in the application is not a permission: only the person named on a signer
row signs that row, which the workflow checks on the row itself.
"""

import rules

from portfolio.rules import is_study_director_of_trainee, is_trainee_owner, may_change

can_write_certificate = may_change & is_trainee_owner
can_sign_on_paper = may_change & (is_trainee_owner | is_study_director_of_trainee)

rules.set_perm("portfolio.write_certificate", can_write_certificate)
rules.set_perm("portfolio.sign_on_paper", can_sign_on_paper)
