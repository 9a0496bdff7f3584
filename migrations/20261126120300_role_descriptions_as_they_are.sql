-- Say what each role can do in Traveler today (the earlier text promised modules still to come).
update roles set description = 'Installs products on site; sees the items assigned to them.' where name = 'installer';
update roles set description = 'Visits customers after installation; sees the items assigned to them.' where name = 'service';
update roles set description = 'Looks up orders and their totals, and follows completed items to collect payment.' where name = 'accounting';
update roles set description = 'Checks the work in every queue and order, with each item''s history, notes and photos.' where name = 'qa';
