import { render } from 'preact';
import { App } from './app';
import { claimFunctionKeys } from './keys';
import './styles.css';

// One build, two apps: the cashier's at `/` on loopback, the pickers' at
// `/picker` (where the till's LAN listener sends handhelds), loaded as its
// own chunk so the till's screen carries none of it.
const root = document.getElementById('app')!;
if (location.pathname.startsWith('/picker')) {
  void import('./picker/PickerApp').then(({ PickerApp }) => render(<PickerApp />, root));
} else {
  claimFunctionKeys();
  render(<App />, root);
}
